# A unit moves under another organisation or unit: every org:unitOf / org:subOrganizationOf
# link of the unit goes, in every graph, and the unit becomes org:unitOf the new parent in
# the default graph. A unit with no parent yet is refused (move-unit.require-parent.rq), as
# is a parent below the unit (move-unit.refuse-cycle.rq).
# parameters: ?unit ?parent
PREFIX org: <http://www.w3.org/ns/org#>

DELETE {
  GRAPH ?g { ?unit ?link ?old }
  ?unit ?dlink ?dold
}
INSERT {
  ?unit org:unitOf ?parent
}
WHERE {
  {
    GRAPH ?g { ?unit ?link ?old }
    VALUES ?link { org:unitOf org:subOrganizationOf }
  } UNION {
    ?unit ?dlink ?dold
    VALUES ?dlink { org:unitOf org:subOrganizationOf }
  }
}
