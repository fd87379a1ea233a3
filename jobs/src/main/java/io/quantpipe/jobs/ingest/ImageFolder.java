package io.quantpipe.jobs.ingest;

import io.quantpipe.quant.BadInputException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A folder of images, one sub-folder per class (torchvision's ImageFolder layout): classes are the
 * sub-folder names sorted, label = index in that order; files are taken class by class, each
 * class's files sorted by path, so the sample order is stable.
 */
final class ImageFolder {
    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    /** One image file and its label. */
    record Entry(long index, String path, int label) implements Serializable {
    }

    record Listing(List<String> classes, List<Entry> entries) {
    }

    private ImageFolder() {
    }

    static Listing list(FileSystem fs, Path root, long limit) throws IOException {
        FileStatus[] children = fs.listStatus(root);
        Arrays.sort(children, Comparator.comparing(s -> s.getPath().getName()));
        List<String> classes = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        for (FileStatus child : children) {
            String name = child.getPath().getName();
            if (!child.isDirectory() || name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            int label = classes.size();
            classes.add(name);
            List<String> files = new ArrayList<>();
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(child.getPath(), true);
            while (it.hasNext()) {
                Path p = it.next().getPath();
                if (isImage(p.getName())) {
                    files.add(p.toString());
                }
            }
            files.sort(null);
            for (String f : files) {
                if (entries.size() < limit) {
                    entries.add(new Entry(entries.size(), f, label));
                }
            }
        }
        if (classes.isEmpty()) {
            throw new BadInputException(root + ": expected one sub-folder of images per class, found none");
        }
        if (entries.isEmpty()) {
            throw new BadInputException(root + ": expected image files (" + String.join(", ", EXTENSIONS.stream().sorted().toList())
                    + ") in the class folders " + classes + ", found none");
        }
        return new Listing(List.copyOf(classes), List.copyOf(entries));
    }

    private static boolean isImage(String name) {
        int dot = name.lastIndexOf('.');
        return !name.startsWith(".") && dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
