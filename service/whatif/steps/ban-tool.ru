# A tool banned for an organisation: a new tool policy, issued by the organisation, that
# prohibits the tool (as the IT department would write it). Goes to the default graph, or to
# the step's `graph` (the reader prefixes `WITH`).
# parameters: ?organisation ?tool
PREFIX sb: <https://w3id.org/social-business#>

INSERT {
  _:policy a sb:ToolPolicy ;
    sb:issuedBy ?organisation ;
    sb:prohibits ?tool .
}
WHERE {}
