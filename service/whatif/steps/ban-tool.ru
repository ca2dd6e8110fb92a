# A tool banned for an organisation: a new tool policy, issued by the organisation, that
# prohibits the tool (as the IT department would write it). Named ?policy when the step
# gives one, else `<organisation>/policy/ban-<md5 of the tool IRI>`. Written to the default
# graph, or to the step's `graph` (the reader puts `WITH <graph>` before it).
# parameters: ?organisation ?tool [?policy]
PREFIX sb: <https://w3id.org/social-business#>

INSERT {
  ?new a sb:ToolPolicy ;
    sb:issuedBy ?organisation ;
    sb:prohibits ?tool .
}
WHERE {
  BIND (COALESCE(?policy, IRI(CONCAT(STR(?organisation), "/policy/ban-", MD5(STR(?tool))))) AS ?new)
}
