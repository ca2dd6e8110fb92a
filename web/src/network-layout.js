// The Network page's layout refinement, off the page's thread: ForceAtlas2 from the first
// positions, in chunks of iterations, posting the positions after each chunk (the page
// redraws once per chunk, not once per iteration), until `iterations` are done or `ms` have
// passed.
import Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";

self.onmessage = ({ data }) => {
  const { positions, edges, iterations, chunk, ms } = data;
  const graph = new Graph({ multi: true, type: "directed" });
  for (let i = 0; i < positions.length / 2; i += 1) {
    graph.addNode(i, { x: positions[2 * i], y: positions[2 * i + 1] });
  }
  for (let i = 0; i < edges.length; i += 2) graph.addDirectedEdge(edges[i], edges[i + 1]);
  const settings = { ...forceAtlas2.inferSettings(graph), edgeWeightInfluence: 0 };
  const started = performance.now();
  let done = 0;
  while (done < iterations && performance.now() - started < ms) {
    const step = Math.min(chunk, iterations - done);
    forceAtlas2.assign(graph, { iterations: step, settings });
    done += step;
    const out = new Float64Array(positions.length);
    graph.forEachNode((node, attributes) => {
      out[2 * node] = attributes.x;
      out[2 * node + 1] = attributes.y;
    });
    self.postMessage({ done, positions: out }, [out.buffer]);
  }
  self.postMessage({ done, finished: true });
};
