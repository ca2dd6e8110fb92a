# A person leaves: every statement about them and about the arcs they are an end of, and
# every statement naming either (a conversation's participant, an act's performer, a
# conversation's arc), in every graph.
# parameters: ?person
PREFIX sb: <https://w3id.org/social-business#>

DELETE {
  GRAPH ?g { ?s ?p ?o }
  ?ds ?dp ?do
}
WHERE {
  {
    BIND (?person AS ?gone)
  } UNION {
    ?gone sb:source|sb:target ?person .
  } UNION {
    GRAPH ?arcs { ?gone sb:source|sb:target ?person }
  }
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
