// Loads one ontology document with the OWL API and reports what would stop it being OWL 2 DL.
//
// Usage: java -cp <owlapi jars>:<dir> ProfileCheck [--catalog catalog-v001.xml] FILE
// Prints one line per OWL 2 DL profile violation ("VIOLATION ...") and one per IRI that is
// declared with more than one entity kind that OWL 2 DL forbids to share ("PUNNING ...").
// Parser warnings (illegal redeclarations, illegal punning) go to stderr through slf4j-simple.
//
// Nothing is ever fetched from the network. Without --catalog, owl:imports are left out (the
// file is checked on its own). With --catalog, imports are resolved through the XML catalog
// Protégé reads (its <uri name="IRI" uri="file"/> entries, files relative to the catalog), an
// import missing from it fails the load ("UNMAPPED iri" then "LOAD-FAILED ..."), and the whole
// imports closure is checked. Each ontology of the closure is listed ("ONTOLOGY iri VERSION
// versionIRI"), with its titles ("TITLE iri text") and imports ("IMPORTS iri imported").
// Exit code: 0 when the document (and its imports) loaded, 1 when not.

import java.io.File;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyIRIMapper;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.model.parameters.Imports;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public final class ProfileCheck {
    private static final String CATALOG_NS = "urn:oasis:names:tc:entity:xmlns:1.0";
    private static final IRI TITLE = IRI.create("http://purl.org/dc/terms/title");

    private ProfileCheck() {}

    /** The catalog's IRI -> document entries, documents resolved beside the catalog. */
    private static Map<IRI, IRI> readCatalog(File catalog) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        NodeList entries = factory.newDocumentBuilder().parse(catalog)
            .getElementsByTagNameNS(CATALOG_NS, "uri");
        File folder = catalog.getAbsoluteFile().getParentFile();
        Map<IRI, IRI> documents = new HashMap<>();
        for (int i = 0; i < entries.getLength(); i++) {
            Element entry = (Element) entries.item(i);
            File document = new File(folder, entry.getAttribute("uri"));
            documents.put(IRI.create(entry.getAttribute("name")), IRI.create(document));
        }
        return documents;
    }

    public static void main(String[] args) throws Exception {
        Map<IRI, IRI> catalog = new HashMap<>();
        boolean withImports = args.length == 3 && args[0].equals("--catalog");
        if (withImports) {
            catalog = readCatalog(new File(args[1]));
        }
        File file = new File(args[args.length - 1]);
        File nowhere = new File(file.getAbsoluteFile().getParentFile(), ".no-such-import");
        Map<IRI, IRI> known = catalog;
        // Every IRI not in the catalog goes to a file that does not exist: never to the web.
        OWLOntologyIRIMapper mapper = iri -> {
            IRI document = known.get(iri);
            if (document != null) return document;
            if (withImports) System.out.println("UNMAPPED " + iri);
            return IRI.create(nowhere);
        };
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        manager.getIRIMappers().set(mapper);
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
            .setMissingImportHandlingStrategy(withImports
                ? MissingImportHandlingStrategy.THROW_EXCEPTION
                : MissingImportHandlingStrategy.SILENT);
        OWLOntology ontology;
        try {
            ontology = manager.loadOntologyFromOntologyDocument(new FileDocumentSource(file), config);
        } catch (Exception e) {
            System.out.println("LOAD-FAILED " + e.toString().replace('\n', ' '));
            System.exit(1);
            return;
        }
        Imports scope = withImports ? Imports.INCLUDED : Imports.EXCLUDED;
        Collection<OWLOntology> members = withImports
            ? ontology.getImportsClosure() : Collections.singleton(ontology);
        for (OWLOntology member : members) {
            String iri = member.getOntologyID().getOntologyIRI().map(IRI::toString).orElse("none");
            String version = member.getOntologyID().getVersionIRI().map(IRI::toString).orElse("none");
            System.out.println("ONTOLOGY " + iri + " VERSION " + version);
            member.annotations().filter(a -> a.getProperty().getIRI().equals(TITLE)).forEach(a ->
                System.out.println("TITLE " + iri + " " + a.getValue().asLiteral()
                    .map(literal -> literal.getLiteral()).orElse(a.getValue().toString())));
            member.importsDeclarations().forEach(d ->
                System.out.println("IMPORTS " + iri + " " + d.getIRI()));
        }
        for (OWLProfileViolation violation : new OWL2DLProfile().checkOntology(ontology).getViolations()) {
            System.out.println("VIOLATION " + violation.toString().replace('\n', ' '));
        }
        ontology.signature(scope).map(e -> e.getIRI()).distinct().forEach(iri -> {
            List<String> kinds = new ArrayList<>();
            if (ontology.containsObjectPropertyInSignature(iri, scope)) kinds.add("ObjectProperty");
            if (ontology.containsDataPropertyInSignature(iri, scope)) kinds.add("DataProperty");
            if (ontology.containsAnnotationPropertyInSignature(iri, scope)) kinds.add("AnnotationProperty");
            if (kinds.size() > 1) System.out.println("PUNNING " + iri + " " + kinds);
            if (ontology.containsClassInSignature(iri, scope) && ontology.containsDatatypeInSignature(iri, scope)) {
                System.out.println("PUNNING " + iri + " [Class, Datatype]");
            }
        });
        System.out.println("AXIOMS " + ontology.getAxiomCount(scope));
    }
}
