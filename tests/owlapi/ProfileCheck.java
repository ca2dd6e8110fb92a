// Loads one ontology file with the OWL API and reports what would stop it being OWL 2 DL.
//
// Usage: java -cp <owlapi jars>:<dir> ProfileCheck FILE
// Prints one line per OWL 2 DL profile violation ("VIOLATION ...") and one per IRI that is
// declared with more than one entity kind that OWL 2 DL forbids to share ("PUNNING ...").
// Parser warnings (illegal redeclarations, illegal punning) go to stderr through slf4j-simple.
// Exit code: 0 when the file loaded, 1 when it did not.

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.model.parameters.Imports;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public final class ProfileCheck {
    private ProfileCheck() {}

    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
            .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT);
        OWLOntology ontology;
        try {
            ontology = manager.loadOntologyFromOntologyDocument(
                new FileDocumentSource(new File(args[0])), config);
        } catch (Exception e) {
            System.out.println("LOAD-FAILED " + e.getMessage());
            System.exit(1);
            return;
        }
        for (OWLProfileViolation violation : new OWL2DLProfile().checkOntology(ontology).getViolations()) {
            System.out.println("VIOLATION " + violation.toString().replace('\n', ' '));
        }
        ontology.signature(Imports.EXCLUDED).map(e -> e.getIRI()).distinct().forEach(iri -> {
            List<String> kinds = new ArrayList<>();
            if (ontology.containsObjectPropertyInSignature(iri)) kinds.add("ObjectProperty");
            if (ontology.containsDataPropertyInSignature(iri)) kinds.add("DataProperty");
            if (ontology.containsAnnotationPropertyInSignature(iri)) kinds.add("AnnotationProperty");
            if (kinds.size() > 1) System.out.println("PUNNING " + iri + " " + kinds);
            if (ontology.containsClassInSignature(iri) && ontology.containsDatatypeInSignature(iri)) {
                System.out.println("PUNNING " + iri + " [Class, Datatype]");
            }
        });
        System.out.println("AXIOMS " + ontology.getAxiomCount());
    }
}
