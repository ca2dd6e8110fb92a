import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Java's built-in HTTP client with its defaults (HTTP/2 preferred: on cleartext it sends
 * "Connection: Upgrade, HTTP2-Settings" and "Upgrade: h2c" with every request), as Apache
 * Jena's RDFConnection uses it.
 *
 * Usage: JavaClient METHOD URL CONTENT-TYPE BODY-FILE [ACCEPT]
 * Prints the status code on the first line, then the response body.
 */
public final class JavaClient {
    public static void main(String[] args) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(args[1]))
            .header("Content-Type", args[2])
            .method(args[0], HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(Path.of(args[3]))));
        if (args.length > 4) {
            request.header("Accept", args[4]);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        System.out.println(response.statusCode());
        System.out.println(response.version());
        System.out.print(response.body());
    }
}
