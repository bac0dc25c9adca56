"""Safe Delivery Champion certificates: a one-page PDF with a verification code, and its checks.

A Champion (expert in every configured module, confirmed when `confirm_levels` is on) sends
`/certificate [name as it should appear]`; the bot sends the PDF privately (the console prints its
path). `<public_url>/verify/<code>` tells anyone whether the code is valid and for whom; `/forgetme`
revokes the member's certificates (the code then reads "revoked").
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core import CommandContext, Context, NotFound, Storage, UploadFile, UsageError, from_utc_text, to_utc_text
from plugins.leaderboards import store
from plugins.leaderboards.logic import is_champion

MAX_NAME = 80
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over a phone line
_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@dataclass(frozen=True, slots=True)
class Certificate:
    code: str
    community: str
    member: str | None
    name: str
    modules: tuple[str, ...]
    issued_at: datetime
    revoked_at: datetime | None


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def normalize_code(text: str) -> str:
    raw = "".join(ch for ch in text.upper() if ch.isalnum())[:12]
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _from_row(row: object) -> Certificate:
    r = row  # sqlite3.Row
    return Certificate(r["code"], r["community"], r["member"], r["name"], tuple(json.loads(r["modules"])),  # type: ignore[index]
                       from_utc_text(r["issued_at"]), from_utc_text(r["revoked_at"]) if r["revoked_at"] else None)  # type: ignore[index]


async def find(db: Storage, code: str) -> Certificate | None:
    row = await db.fetchone("SELECT * FROM leaderboards_certificates WHERE code = ?", (normalize_code(code),))
    return _from_row(row) if row else None


async def of_community(db: Storage, community: str) -> list[Certificate]:
    rows = await db.fetchall("SELECT * FROM leaderboards_certificates WHERE community = ? ORDER BY issued_at", (community,))
    return [_from_row(r) for r in rows]


async def _valid_of(db: Storage, community: str, member: str) -> Certificate | None:
    row = await db.fetchone("SELECT * FROM leaderboards_certificates WHERE community = ? AND member = ? AND revoked_at IS NULL "
                            "ORDER BY issued_at DESC LIMIT 1", (community, member))
    return _from_row(row) if row else None


async def issue(ctx: Context, member: str, name: str) -> Certificate:
    """The member's valid certificate under `name` (a new code when the name changed)."""
    modules = tuple(ctx.config.module_labels().values())
    current = await _valid_of(ctx.db, ctx.community.name, member)
    if current is not None and current.name == name and current.modules == modules:
        return current
    now = ctx.now()
    if current is not None:
        await ctx.db.execute("UPDATE leaderboards_certificates SET revoked_at = ? WHERE code = ?", (to_utc_text(now), current.code))
    code = new_code()
    await ctx.db.execute("INSERT INTO leaderboards_certificates (code, community, member, name, modules, issued_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (code, ctx.community.name, member, name, json.dumps(modules), to_utc_text(now)))
    return Certificate(code, ctx.community.name, member, name, modules, now, None)


def render_pdf(title: str, lines: list[str], code_line: str, url_line: str) -> bytes:
    """One A4 landscape page. DejaVu Sans when installed (any script), else the PDF core font (Latin-1)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    if _FONT.is_file():
        pdf.add_font("body", fname=str(_FONT))
        family = "body"
    else:
        family = "helvetica"

        def latin(text: str) -> str:
            return text.encode("latin-1", "replace").decode("latin-1")
        title, lines, code_line, url_line = latin(title), [latin(x) for x in lines], latin(code_line), latin(url_line)
    pdf.set_draw_color(8, 81, 156)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_y(35)
    pdf.set_font(family, size=30)
    pdf.multi_cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(family, size=16)
    for line in lines:
        pdf.multi_cell(0, 10, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(170)
    pdf.set_font(family, size=12)
    pdf.multi_cell(0, 7, code_line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 7, url_line, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def verify_url(ctx: Context, code: str) -> str:
    url = ctx.bot.dashboard_url()
    return f"{url}/verify/{code}" if url is not None else ""


async def certificate(ctx: CommandContext, name: str) -> None:
    """/certificate [name]: the Champion's certificate as a PDF, privately."""
    user = ctx.user
    modules = ctx.config.module_labels()
    levels = {m: lvl for m, (lvl, ok) in (await store.levels_of(ctx.db, ctx.community.name, user.uid)).items() if ok}
    if not is_champion(levels, modules):
        raise NotFound(ctx.t("certificate.not_yet"))
    name = " ".join(name.split())[:MAX_NAME] or user.name
    if not name.strip():
        raise UsageError(ctx.t("certificate.usage"))
    cert = await issue(ctx, user.uid, name)
    locale = ctx.members.locale_of(user)
    url = verify_url(ctx, cert.code)
    lines = [ctx.t_for(locale, "certificate.pdf.awarded"), cert.name,
             ctx.t_for(locale, "certificate.pdf.community", community=cert.community),
             ctx.t_for(locale, "certificate.pdf.modules", modules=", ".join(cert.modules)),
             ctx.t_for(locale, "certificate.pdf.date", date=ctx.format_day(cert.issued_at, locale=locale))]
    content = await asyncio.to_thread(render_pdf, ctx.t_for(locale, "certificate.pdf.title"), lines,
                                      ctx.t_for(locale, "certificate.pdf.code", code=cert.code),
                                      ctx.t_for(locale, "certificate.pdf.check", url=url) if url else "")
    await ctx.act(UploadFile(name=f"certificate-{cert.code}.pdf", content=content, user=user, mime="application/pdf",
                             caption=ctx.t_for(locale, "certificate.caption", code=cert.code)))
    if ctx.chat is not None and not ctx.chat.is_direct:
        await ctx.reply(ctx.t("certificate.sent_privately"))
