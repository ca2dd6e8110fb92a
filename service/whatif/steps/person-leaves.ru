# A person leaves: every statement about them and about the arcs they are an end of, and
# every statement naming either (a conversation's participant, an act's performer, a
# conversation's arc). Run once on each data graph (the reader puts `WITH <graph>` before
# it) and on the default graph; an arc is found by its sb:source or sb:target in that graph.
# parameters: ?person
PREFIX sb: <https://w3id.org/social-business#>

DELETE {
  ?s ?p ?o
}
WHERE {
  {
    BIND (?person AS ?gone)
  } UNION {
    ?gone sb:source|sb:target ?person .
  }
  {
    ?gone ?p ?o
    BIND (?gone AS ?s)
  } UNION {
    ?s ?p ?gone
    BIND (?gone AS ?o)
  }
}
