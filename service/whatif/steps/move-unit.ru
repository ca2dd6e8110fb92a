# A unit moves under another organisation or unit: where the unit is org:unitOf or
# org:subOrganizationOf something, it becomes org:unitOf the new parent instead, in the
# same graph. Run once on each data graph (the reader puts `WITH <graph>` before it) and on
# the default graph. A unit with no parent is refused (move-unit.require-parent.rq), as is
# a parent below the unit (move-unit.refuse-cycle.rq).
# parameters: ?unit ?parent
PREFIX org: <http://www.w3.org/ns/org#>

DELETE {
  ?unit ?link ?old
}
INSERT {
  ?unit org:unitOf ?parent
}
WHERE {
  ?unit ?link ?old
  VALUES ?link { org:unitOf org:subOrganizationOf }
}
