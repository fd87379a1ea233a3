package io.quantpipe.jobs;

import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the jar's Implementation-Version, or "dev" when run from classes. */
final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"quantpipe " + (v == null ? "dev" : v)};
    }
}
