package io.quantpipe.quant.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.PrettyPrinter;
import java.io.IOException;

/**
 * Pretty-printing that stays compact for long lists: objects and arrays up to {@code depth}
 * levels are laid out one entry per line, anything nested deeper stays on the line of its parent
 * (a metric row, {@code {"top1": .., "top5": ..}}). Line ends are {@code \n} on every platform.
 */
public final class JsonLayout implements PrettyPrinter {
    private final int outerDepth;
    private int depth;

    public JsonLayout(int outerDepth) {
        this.outerDepth = outerDepth;
    }

    private boolean broken() {
        return depth <= outerDepth;
    }

    private void lineBreak(JsonGenerator g) throws IOException {
        g.writeRaw('\n');
        for (int i = 0; i < depth; i++) {
            g.writeRaw("  ");
        }
    }

    private void open(JsonGenerator g, char c) throws IOException {
        g.writeRaw(c);
        depth++;
    }

    private void close(JsonGenerator g, char c, int entries) throws IOException {
        boolean wasBroken = broken();
        depth--;
        if (wasBroken && entries > 0) {
            lineBreak(g);
        }
        g.writeRaw(c);
    }

    private void separator(JsonGenerator g) throws IOException {
        g.writeRaw(',');
        if (broken()) {
            lineBreak(g);
        } else {
            g.writeRaw(' ');
        }
    }

    private void first(JsonGenerator g) throws IOException {
        if (broken()) {
            lineBreak(g);
        }
    }

    @Override
    public void writeRootValueSeparator(JsonGenerator g) throws IOException {
        g.writeRaw('\n');
    }

    @Override
    public void writeStartObject(JsonGenerator g) throws IOException {
        open(g, '{');
    }

    @Override
    public void beforeObjectEntries(JsonGenerator g) throws IOException {
        first(g);
    }

    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
        g.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
        separator(g);
    }

    @Override
    public void writeEndObject(JsonGenerator g, int entries) throws IOException {
        close(g, '}', entries);
    }

    @Override
    public void writeStartArray(JsonGenerator g) throws IOException {
        open(g, '[');
    }

    @Override
    public void beforeArrayValues(JsonGenerator g) throws IOException {
        first(g);
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
        separator(g);
    }

    @Override
    public void writeEndArray(JsonGenerator g, int values) throws IOException {
        close(g, ']', values);
    }
}
