import java.net.http.HttpClient;
import java.util.Map;
import java.util.TreeMap;

import org.apache.jena.http.HttpEnv;
import org.apache.jena.http.auth.AuthLib;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.rdfconnection.RDFConnection;
import org.apache.jena.rdfconnection.RDFConnectionRemote;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;

/**
 * Apache Jena's RDFConnection (Debian libapache-jena-java) against Triskel, unmodified: Jena's
 * own HTTP client (java.net.http, HTTP/2 upgrade offered on cleartext), its default formats
 * and Accept headers, its choice of GET or POST.
 *
 * Usage: JenaClient URL GRAPH-A GRAPH-B PUT-FILE LOAD-FILE APPEND-FILE UPDATE [USER PASSWORD]
 *
 * Puts PUT-FILE (parsed by Jena, sent as a model) into GRAPH-A, loads LOAD-FILE (sent as the
 * file) into GRAPH-B, appends APPEND-FILE's model to GRAPH-A, runs UPDATE, then prints what
 * the queries answer: "SELECT graph count" lines, "ASK true|false", and the CONSTRUCT of
 * GRAPH-A as N-Triples after a "CONSTRUCT" line. With USER and PASSWORD, the HTTP client
 * carries a java.net.Authenticator (Jena's AuthLib), which answers the server's Basic
 * challenge.
 */
public final class JenaClient {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        String graphA = args[1];
        String graphB = args[2];
        HttpClient client = args.length > 8
            ? HttpEnv.httpClientBuilder().authenticator(AuthLib.authenticator(args[7], args[8])).build()
            : HttpEnv.getDftHttpClient();
        try (RDFConnection conn = RDFConnectionRemote.newBuilder()
                .destination(url)
                .queryEndpoint("sparql")
                .updateEndpoint("update")
                .gspEndpoint("store")
                .httpClient(client)
                .build()) {
            conn.put(graphA, RDFDataMgr.loadModel(args[3]));
            conn.load(graphB, args[4]);
            conn.load(graphA, RDFDataMgr.loadModel(args[5]));
            conn.update(args[6]);

            Map<String, Long> counts = new TreeMap<>();
            conn.querySelect(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                row -> counts.put(row.getResource("g").getURI(), row.getLiteral("n").getLong()));
            counts.forEach((graph, count) -> System.out.println("SELECT " + graph + " " + count));
            System.out.println("ASK " + conn.queryAsk(
                "ASK { GRAPH <" + graphB + "> { ?s ?p ?o } }"));
            Model constructed = conn.queryConstruct(
                "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <" + graphA + "> { ?s ?p ?o } }");
            System.out.println("CONSTRUCT");
            RDFDataMgr.write(System.out, constructed, Lang.NTRIPLES);
        }
    }
}
