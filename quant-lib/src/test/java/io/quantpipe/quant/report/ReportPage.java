package io.quantpipe.quant.report;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** report.html parsed as XML, with the look-ups the tests need. */
final class ReportPage {
    final Document doc;

    ReportPage(String html) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            doc = b.parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError("report.html does not parse as XML: " + e.getMessage(), e);
        }
    }

    /** Elements named {@code tag} whose attribute {@code name} is {@code value}, in document order. */
    List<Element> find(String tag, String name, String value) {
        return within(doc.getDocumentElement(), tag, name, value);
    }

    static List<Element> within(Element root, String tag, String name, String value) {
        List<Element> out = new ArrayList<>();
        NodeList all = root.getElementsByTagName(tag);
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (name == null || (e.hasAttribute(name) && (value == null || e.getAttribute(name).equals(value)))) {
                out.add(e);
            }
        }
        return out;
    }

    /** The chart {@code svg} elements of one kind. */
    List<Element> charts(String kind) {
        return find("svg", "data-chart", kind);
    }
}
