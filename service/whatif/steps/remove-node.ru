# A node removed (a tool policy, an arc): every statement about it, and every statement
# naming it, in every graph.
# parameters: ?gone
DELETE {
  GRAPH ?g { ?s ?p ?o }
  ?ds ?dp ?do
}
WHERE {
  {
    GRAPH ?g { ?gone ?p ?o }
    BIND (?gone AS ?s)
  } UNION {
    GRAPH ?g { ?s ?p ?gone }
    BIND (?gone AS ?o)
  } UNION {
    ?gone ?dp ?do
    BIND (?gone AS ?ds)
  } UNION {
    ?ds ?dp ?gone
    BIND (?gone AS ?do)
  }
}
