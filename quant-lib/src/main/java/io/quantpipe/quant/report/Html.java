package io.quantpipe.quant.report;

/**
 * Escaping for the report's markup, which is XHTML-compatible (it parses as XML too): {@code & < >
 * " '} become character references, and characters XML forbids (control characters, lone
 * surrogates) become U+FFFD, so no tensor or class name can break the page or inject markup.
 */
final class Html {
    private Html() {
    }

    /** {@code s} escaped for text content and quoted attribute values. */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (allowed(c)) {
                        out.append(c);
                    } else {
                        out.append('\uFFFD');
                    }
                }
            }
        }
        return out.toString();
    }

    private static boolean allowed(char c) {
        if (Character.isSurrogate(c)) {
            return false;
        }
        return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c != 0xFFFE && c != 0xFFFF && !(c >= 0x7F && c <= 0x9F));
    }

    /** {@code name="escaped value"} with a leading space. */
    static String attr(String name, String value) {
        return " " + name + "=\"" + escape(value) + "\"";
    }
}
