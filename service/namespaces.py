"""Closed namespaces for the project's own vocabularies.

`DefinedNamespace` with `_fail = True` turns a typo such as `SB.Pratice` into an
AttributeError at import time instead of a silently wrong IRI. `tests/test_namespaces.py`
fails when these lists and the Turtle files drift apart.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DefinedNamespace, Namespace


class SB(DefinedNamespace):
    """The social-business vocabulary, `https://w3id.org/social-business#`."""

    _fail = True
    _NS = Namespace("https://w3id.org/social-business#")

    # -- classes --
    Practice: URIRef
    Goal: URIRef
    Conversation: URIRef
    ConversationAct: URIRef
    InformationItem: URIRef
    Person: URIRef
    Arc: URIRef
    Tool: URIRef
    ToolPolicy: URIRef
    Medium: URIRef
    ToolCategory: URIRef
    SecurityLevel: URIRef
    ActType: URIRef
    Layer: URIRef

    # -- properties --
    hasGoal: URIRef
    ownedBy: URIRef
    enacts: URIRef
    participant: URIRef
    initiator: URIRef
    carriedBy: URIRef
    medium: URIRef
    occursWithin: URIRef
    conveys: URIRef
    hasAct: URIRef
    actType: URIRef
    performedBy: URIRef
    addressedTo: URIRef
    via: URIRef
    respondsTo: URIRef
    endpoint: URIRef
    source: URIRef
    target: URIRef
    channel: URIRef
    weight: URIRef
    usesTool: URIRef
    toolCategory: URIRef
    supportsMedium: URIRef
    clearedFor: URIRef
    classification: URIRef
    issuedBy: URIRef
    prohibits: URIRef
    permits: URIRef
    rationale: URIRef
    rank: URIRef
    servedBy: URIRef
    intended: URIRef
    layer: URIRef

    # -- controlled values (ontology/concepts.ttl) --
    voice: URIRef
    text: URIRef
    video: URIRef
    activityStream: URIRef
    email: URIRef
    wiki: URIRef
    instantMessaging: URIRef
    documentCollaboration: URIRef
    videoConference: URIRef
    telephony: URIRef
    socialNetwork: URIRef
    public: URIRef
    internal: URIRef
    confidential: URIRef
    restricted: URIRef
    request: URIRef
    promise: URIRef
    decline: URIRef
    state: URIRef
    accept: URIRef
    reject: URIRef
    cancel: URIRef
    practiceLayer: URIRef
    organizationLayer: URIRef
    technologyLayer: URIRef

    # -- concept schemes (ontology/concepts.ttl) --
    media: URIRef
    toolCategories: URIRef
    securityLevels: URIRef
    actTypes: URIRef
    layers: URIRef


class SBSH(DefinedNamespace):
    """The alignment rule pack, `https://w3id.org/social-business/shapes#`."""

    _fail = True
    _NS = Namespace("https://w3id.org/social-business/shapes#")

    R01: URIRef
    R02: URIRef
    R03: URIRef
    R04: URIRef
    R05: URIRef
    R06: URIRef
    R07: URIRef
    R08: URIRef
    R09: URIRef
    R10: URIRef
    R11: URIRef
    R12: URIRef
    R13: URIRef
    R14: URIRef
    R15: URIRef
    R16: URIRef
    R17: URIRef
    R18: URIRef
    R19: URIRef
    R20: URIRef
    R21: URIRef
    R22: URIRef
    R23: URIRef
    R24: URIRef
    refusesGuardedWrites: URIRef
    remediation: URIRef
    threshold: URIRef


class SBR(DefinedNamespace):
    """The report vocabulary, `https://w3id.org/social-business/report#` (ontology/report.ttl):
    what a validation report says beside SHACL's terms (finding context, scores, rule
    summaries, report history)."""

    _fail = True
    _NS = Namespace("https://w3id.org/social-business/report#")

    # -- classes --
    Score: URIRef
    RuleSummary: URIRef

    # -- the report and its findings --
    failOn: URIRef
    score: URIRef
    ruleSummary: URIRef
    rule: URIRef
    practice: URIRef
    conversation: URIRef
    person: URIRef

    # -- scores and rule summaries --
    kind: URIRef
    subject: URIRef
    conversations: URIRef
    aligned: URIRef
    severity: URIRef
    findingCount: URIRef

    # -- report history --
    dataFingerprint: URIRef
    shapesVersion: URIRef
    engine: URIRef
    scope: URIRef
    violations: URIRef
    warnings: URIRef
    infos: URIRef
    resultsKept: URIRef

    # -- findings ledger --
    Validation: URIRef
    FindingContext: URIRef
    opened: URIRef
    closed: URIRef
    finding: URIRef
    previous: URIRef
    Series: URIRef
    current: URIRef
    latest: URIRef
    itemsDigest: URIRef

    # -- the maintained live findings --
    LiveState: URIRef
    lastWrite: URIRef
    record: URIRef
    recordCount: URIRef
    stateVersion: URIRef
    validatedQuads: URIRef


class SBA(DefinedNamespace):
    """The network analytics vocabulary, `https://w3id.org/social-business/analytics#`
    (ontology/analytics.ttl): the metrics written into the `urn:triskel:analytics` graph."""

    _fail = True
    _NS = Namespace("https://w3id.org/social-business/analytics#")

    # -- classes --
    NetworkAnalysis: URIRef
    OrganisationTies: URIRef

    # -- properties --
    parameters: URIRef
    inDegree: URIRef
    outDegree: URIRef
    inStrength: URIRef
    outStrength: URIRef
    betweenness: URIRef
    pageRank: URIRef
    coordinatorBrokerage: URIRef
    itinerantBrokerage: URIRef
    gatekeeperBrokerage: URIRef
    representativeBrokerage: URIRef
    liaisonBrokerage: URIRef
    articulationPoint: URIRef
    internalNetworkSize: URIRef
    externalNetworkSize: URIRef
    strongTies: URIRef
    diverseTies: URIRef
    community: URIRef
    outsideUnitCommunity: URIRef
    memberCount: URIRef
    density: URIRef
    eiIndex: URIRef
    internalTies: URIRef
    externalTies: URIRef
    suppressed: URIRef
    tiesTo: URIRef
    otherOrganisation: URIRef
    tieCount: URIRef
    dataFingerprint: URIRef
    personCount: URIRef
    networkTieCount: URIRef
    leftOutArcs: URIRef
    communityCount: URIRef
    unitCommunityMutualInformation: URIRef
    unitCommunityRandIndex: URIRef
    betweennessSources: URIRef
    minGroupSize: URIRef
    personMetrics: URIRef
    software: URIRef


__all__ = ["SB", "SBA", "SBR", "SBSH"]
