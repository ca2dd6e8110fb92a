"""Planted misalignments: each defect adds its own triples to a clean company copy and
records exactly the findings they cause under DESIGN §5 (and nothing else fires: each uses
elements no other defect touches, or checks that sharing one changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.company import Copy, act, arc, bare_conversation, expand, person


def d01(c: Copy) -> None:
    c.rel("conv1", "sb:participant", "Piso")
    c.expect("R01", "conv1", "Piso")


def d02(c: Copy) -> None:
    c.rel("conv9", "sb:occursWithin", "ring20")
    c.expect("R02", "conv9", "ring20")


def d03(c: Copy) -> None:
    person(c, "Pwiki", "u2", ("wiki",))
    arc(c, "arcWiki", "Pwiki", "P11", None)
    c.rel("conv11", "sb:participant", "Pwiki")  # conv11 runs over email
    c.expect("R03", "conv11", "Pwiki")


def d04(c: Copy) -> None:
    c.rel("conv2", "sb:carriedBy", "social")  # conv2 conveys no item
    c.expect("R04", "conv2", "social")


def d05(c: Copy) -> None:
    c.to("conv13", "sb:medium", "sb:video")  # conv13 runs over email (text only)
    c.expect("R05", "conv13", "sb:video")


def d06(c: Copy) -> None:
    c.a("itemSecret", expand("sb:InformationItem"))
    c.to("itemSecret", "sb:classification", "sb:restricted")
    c.rel("conv4", "sb:conveys", "itemSecret")
    c.expect("R06", "conv4", "itemSecret")


def d07(c: Copy) -> None:
    c.a("itemShared", expand("sb:InformationItem"))
    c.rel("conv6", "sb:conveys", "itemShared")  # chat, company people
    c.rel("pconv1", "sb:conveys", "itemShared")  # email, with the partner
    c.expect("R07", "itemShared", "chat")
    c.expect("R07", "itemShared", "email")


def d08(c: Copy) -> None:
    person(c, "Psocial", "u0", ("social",))
    arc(c, "arcSocial", "Psocial", "P5", None)
    c.expect("R08", "arcSocial", "P5")


def d09(c: Copy) -> None:
    c.rel("arcPQ", "sb:channel", "chat")  # the partner's Q0 does not use chat
    c.expect("R09", "arcPQ", "chat")


def d10(c: Copy) -> None:
    c.rel("pconv2", "sb:carriedBy", "wiki")  # reaches Q0; the owner does not permit wiki
    c.expect("R10", "pconv2", "wiki")


def d11(c: Copy) -> None:
    act(c, "actStranger", "conv5", "promise", ("Piso", "P5"), "email")
    c.expect("R11", "actStranger", "Piso")


def d12(c: Copy) -> None:
    act(c, "actWrongTool", "pconv3", "promise", ("Q0", "P0"), "chat")
    c.expect("R12", "actWrongTool", "Q0")


def d13(c: Copy) -> None:
    bare_conversation(c, "convAlone", ["P7"], "email", practice="pr0")
    bare_conversation(c, "convNoTool", ["P8", "P9"], None, practice="pr0")
    c.expect("R13", "convAlone")
    c.expect("R13", "convNoTool")


def d14(c: Copy) -> None:
    c.a("prNoGoal", expand("sb:Practice"))
    c.rel("prNoGoal", "sb:ownedBy", "co")
    c.expect("R14", "prNoGoal")
    c.expect("R15", "prNoGoal")


def d15(c: Copy) -> None:
    c.a("prPaper", expand("sb:Practice"))
    c.rel("prPaper", "sb:hasGoal", "goal0")
    c.rel("prPaper", "sb:ownedBy", "co")
    c.expect("R15", "prPaper")


def d16(c: Copy) -> None:
    arc(c, "arcSelf", "P10", "P10", None)
    c.expect("R16", "arcSelf", "P10")


def d17(c: Copy) -> None:
    person(c, "Pnobody", None, ("email",))
    c.expect("R17", "Pnobody")


def d18(c: Copy) -> None:
    c.a("fax", expand("sb:Tool"))
    c.to("fax", "sb:supportsMedium", "sb:text")
    c.expect("R18", "fax")


def d19(c: Copy) -> None:
    c.a("polOrphan", expand("sb:ToolPolicy"))
    c.a("pager", expand("sb:Tool"))
    c.to("pager", "sb:toolCategory", "sb:telephony")
    c.to("pager", "sb:supportsMedium", "sb:text")
    c.a("polTorn", expand("sb:ToolPolicy"))
    c.rel("polTorn", "sb:issuedBy", "co")
    c.rel("polTorn", "sb:prohibits", "pager")
    c.rel("polTorn", "sb:permits", "pager")
    c.expect("R19", "polOrphan")
    c.expect("R19", "polTorn", "pager")


def d20(c: Copy) -> None:
    bare_conversation(c, "convNoRequest", ["P11", "P12"], "email", practice="pr1")
    act(c, "actEarlyAccept", "convNoRequest", "accept", ("P11", "P12"), "email")
    act(c, "actElsewhere", "conv7", "promise", ("P8", "P7"), "email")
    c.rel("actElsewhere", "sb:respondsTo", "conv8a0")
    c.expect("R20", "actEarlyAccept", "convNoRequest")
    c.expect("R20", "actElsewhere", "conv8a0")


DEFECTS: tuple[Callable[[Copy], None], ...] = (
    d01, d02, d03, d04, d05, d06, d07, d08, d09, d10,
    d11, d12, d13, d14, d15, d16, d17, d18, d19, d20,
)  # fmt: skip
