# A node removed (a tool policy, an arc): every statement about it and every statement
# naming it. Run once on each data graph (the reader puts `WITH <graph>` before it) and on
# the default graph.
# parameters: ?gone
DELETE {
  ?s ?p ?o
}
WHERE {
  {
    ?gone ?p ?o
    BIND (?gone AS ?s)
  } UNION {
    ?s ?p ?gone
    BIND (?gone AS ?o)
  }
}
