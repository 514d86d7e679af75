"""The catalog of findings: the words every floor shares about a finding and a person's decision on it.

Declared here once, read everywhere else:
- severities (most to least urgent) and triage states (with the states that mean "we will act" and the
  words on the buttons that set them);
- every rule the analysis can emit (``CATALOG``, in the order of README's "What each finding means", which
  :func:`reference_markdown` generates): its id, category, default severity, what it means and what to do
  (the README's words), the cleanup list's words for what to do (``hint``: ``{..}`` names come from the
  finding's evidence), the rule engine's message for a built-in check, and its roles in the cleanup list
  (``ROLES``);
- the team's own rules (``rules.<id>``): one entry for them all, and per kind the engine's default message,
  its confidence and the cleanup list's words (``TEAM_KINDS``).
"""
from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("critical", "high", "medium", "low", "info")

# A person's decision on a cleanup item (table triage): what each state means is in the README.
TRIAGE_STATES = ("new", "accepted", "in progress", "done", "dismissed", "snoozed")
TRIAGE_ACCEPTED = ("accepted", "in progress", "done")   # a person agreed to act (decay export redirects)
TRIAGE_LABELS = {"new": "Reset to new", "accepted": "Accept", "in progress": "Start working on", "done": "Mark done",
                 "dismissed": "Dismiss", "snoozed": "Snooze"}   # what setting the state is called (decay serve)

# What a rule's finding does to its subject's item in the cleanup list (analysis/cleanup.py decide()).
ROLES = {
    "obsolete": "the page's content is over (stale, an expired event or offer): with dead, it may be removed or redirected",
    "dead": "no visitor can reach the page (an orphan, or in an orphan island): with obsolete, it may be removed or redirected",
    "fix links": "links point at something broken or at a second address: the item says fix links",
    "review": "a person decides (an unreached, deep or dead-end page, an account to check, old articles): alone, review",
    "update": "the page or account needs changing: the item says update",
    "note": "information only (severity info): never an item",
}
# The categories of the date analysis' judgments: a page with an open finding of one is "outdated" to the link
# analysis (reached only through outdated pages) and to the removal impact.
DATED = ("outdated", "expired")
TEAM_ID = "rules.<id>"   # the team's own rules (foundation/team_rules.py: rules.<the rule's id>)


@dataclass(frozen=True)
class Rule:
    id: str
    category: str                # "" for the team's rules: each rule's own category
    severity: str                # the default severity (the README says when it differs)
    roles: tuple[str, ...]       # keys of ROLES
    means: str                   # README: what it means
    todo: str                    # README: what to do
    hint: str | None = None      # the cleanup list's "what to do" ({..} from the evidence); None: the finding's message
    message: str | None = None   # the rule engine's message, for a built-in check


@dataclass(frozen=True)
class Kind:
    """A kind of team rule: the engine's message when the rule has none, its confidence, the cleanup list's words."""
    message: str
    confidence: float
    hint: str


TEAM_KINDS = {
    "term": Kind("Off-brand or retired wording", 0.95, 'change "{match}" where the evidence quotes it'),
    "banned_list": Kind("Banned wording", 0.9, 'change "{match}" where the evidence quotes it'),
    "pattern": Kind("Text that matches a forbidden pattern", 0.8, 'reword "{match}" where the evidence quotes it'),
    "retired_domain": Kind("Links to a retired domain (anyone can register it now)", 0.95,
                           "point the links and embeds at a current address, or remove them"),
    "required": Kind("Required content is missing", 0.8, "add what is missing to the page"),
    "forbidden_element": Kind("A forbidden element or resource", 0.95, "remove it from the page"),
}

CATALOG: tuple[Rule, ...] = (
    Rule("outdated.stale_page", "outdated", "low", ("obsolete",),
         means="The page has not been updated for longer than its section's threshold (`[outdated] max_age`, "
               "`[[outdated.sections]]`). Medium when more than twice over, else low. Pages matching `exempt` are "
               "never reported.",
         todo="Update it, or retire it: the cleanup list says whether to update, redirect or remove it, and what "
              "would break.",
         hint="check that it is still right and update it (last update {updated_at}), or mark it as an archive so "
              "readers know"),
    Rule("outdated.old_articles", "outdated", "low", ("review",),
         means="The dated articles (page role `article`: news and blog posts, release notes, minutes) of one section "
               "that are older than the section's threshold, reported once for the section (`subject_type = "
               "'section'`): how many, the oldest and the newest, and the list (up to 200). Each article's own "
               "`stale_page`, `stale_claim`, `old_year_in_title` and expired findings are kept as info (a historical "
               "record is not rot), unless the site still presents the article as current: linked from a home page, "
               "or from a navigation link on at least 30% of the pages; then the article keeps its own findings and "
               "its own item, and the evidence says where it is presented. Low; the median confidence of its "
               "articles' dates.",
         todo="Decide once for the section: label the articles as historical (a note in the article template), move "
              "them to an archive section, or keep them; then dismiss the item (or exempt the section).",
         hint="decide once for the {articles} articles: label them as historical (a note in the article template), "
              "move them to an archive section, or keep them as they are; then dismiss this item"),
    Rule("outdated.expired_event", "expired", "high", ("obsolete",),
         means="The page announces an event whose date has passed: its JSON-LD `Event` (a series: when its last date "
               'has passed), or an invitation ("join us", "upcoming", "save the date", ...) with a past date in the '
               'same sentence. High. Info when the page says the event is over ("has now finished", "took place", '
               '"held on") or offers its recording in its place ("Missed it? Watch the recording"), on the home page, '
               'and on a dated article (history). Never on a listing.',
         todo="Say the event is over, or remove the announcement.",
         hint="say that the event is over or take the announcement down, and point to what comes next"),
    Rule("outdated.expired_offer", "expired", "high", ("obsolete",),
         means="An offer, deadline or validity date has passed: JSON-LD `validThrough`, `priceValidUntil`, `expires`,"
               ' `applicationDeadline` (several: when the last has), or text such as "offer ends 31 March 2019", '
               '"apply by", "closing date". High. Info when the page says it is closed ("This vacancy has now '
               'closed", "no longer accepting"), on the home page, and on a dated article. Never on a listing.',
         todo="Remove or update the offer.",
         hint="take down the ended offer or deadline, or replace it with the current one"),
    Rule("outdated.stale_claim", "outdated", "medium", ("update",),
         means='The page calls something "our new ...", "New: ...", "the latest release", "coming soon", "now '
               'available", "just launched", "this year" while its last update is older than `claim_max_age`; the '
               "phrase is quoted in its sentence. Generic uses (\"new users should\", \"compare this year's with last "
               "year's\", \"if your income this year is ...\", \"many of the people we support have recently moved\") "
               "do not count. Never on a listing; on the home page only its own words; info on a dated "
               "article (history), and on a page whose structured data announces an event still to come when the words "
               "announce it (\"coming soon\", \"now available\").",
         todo="Reword, or update the content.",
         hint='drop the "{claim}" wording, or update the page'),
    Rule("outdated.old_copyright", "outdated", "low", ("update",),
         means="A copyright notice is more than `copyright_grace_years` behind. When the notice is in the site's "
               "template (most pages), it is reported once for the site, with the number of pages. A notice's year is "
               "its last (\"© 2009–26\" is 2026; \"© 2009 – present\" is current); a photo credit (\"Photo © 2016 "
               "Jane Smith\") is someone else's notice, not the site's. On an archived copy of an old site (a page "
               "a mirroring tool saved: \"<!-- Mirrored from ... by HTTrack Website Copier\") the old notice is "
               "that site's: `info`.",
         todo="Fix the template (or the pages).",
         hint="update the copyright year (better: let the site template write the current year)"),
    Rule("outdated.old_year_in_title", "outdated", "medium", ("update",),
         means="The title names a year more than `title_year_grace_years` ago. Medium when the title presents itself "
               'as current ("best", "top", "guide", "trends", ...), info otherwise (it may be an archive item).',
         todo="Update it, or mark it as an archive (and exempt it).",
         hint="update the title and the content, or mark the page as an archive"),
    Rule("links.orphan", "orphaned", "medium", ("dead", "review"),
         means="A live page that no page of the latest crawl links to (above), however the crawl knows it: the "
               "evidence says how (sitemap, start URL, earlier crawl, redirect) and lists the references a visitor "
               "cannot follow (`<link rel=alternate>`, ...). Medium (confidence 0.9); low (0.5) for a page only an "
               "earlier crawl saw, whose state today is unknown; confidence 0.4 when `max_pages` cut the crawl short."
               " Information (`reached_otherwise` says why) for a page a reachable page embeds (an iframe's widget), "
               "a form on a reachable page sends its visitors to, whose canonical names another page, that is the "
               "site's not-found page, or whose section has a page visitors are led to that the crawl could not read "
               "(robots.txt, an error: it may link here). Links include a jump menu's options and a listing's "
               "`<link rel=next/prev>`. Pages matching `[links] exempt` are never reported.",
         todo="Link it from where it belongs, or retire it (`decay impact` says what would break).",
         hint="link it from a relevant live page, or retire it if it is no longer needed"),
    Rule("links.orphan_island", "orphaned", "medium", ("dead", "review"),
         means="A live page that is linked, but that no page reachable from a start page or a sitemap entry leads to:"
               " only orphans or the other pages of its island link to it. Outdated or expired pages on the way do "
               "not make a page orphaned (see the next row). The evidence lists every linking page with its anchor "
               "text, position and what it is, and the pages of the island. Medium (0.8); information when its section "
               "has a page visitors are led to that the crawl could not read (that page may link here).",
         todo="Link the island from a live page, or retire it as a whole.",
         hint="link it from a live page, or retire it together with the pages that link to it"),
    Rule("links.reached_only_through_outdated", "links", "info", ("note",),
         means="A page the start pages reach only through pages judged outdated or expired (the posts behind a stale "
               "paginated listing); the evidence lists those pages. Info: never a cleanup item.",
         todo="If you retire those pages, link it from a live page first."),
    Rule("links.deep_page", "orphaned", "low", ("review",),
         means="More than `max_click_depth` clicks (default 4) from a start page, by the shortest route, which the "
               "evidence shows. Low (0.9). Ten or more deep pages of one section (the first path segment; "
               "`/calendar?month=N` counts as `/calendar/`) are one finding for the section (`subject_type = "
               "'section'`: how many, the deepest, the list) and each listed page's own finding is info: a calendar "
               "trap or a long pagination is one thing to fix. At most 200 pages are listed, the deepest first; "
               "beyond that the section's finding counts the others and its evidence (`not_listed`) gives the "
               "`page_graph` query that lists them all, instead of one info finding each (on 1,000,000 synthetic "
               "pages, 895,462 deep pages: writing a finding for each cost more than the rest of the link "
               "analysis). Deep dated articles and listings are info (an archive's pagination puts them there by "
               "design).",
         todo="Link it from a section page or a hub nearer the start.",
         hint="link it from a page nearer the start page"),
    Rule("links.dead_end", "orphaned", "low", ("review",),
         means="A live page with no navigational link to another page of the site: a visitor can only go back. Low "
               "(0.9). Ten or more in one section are one finding for the section, as for deep pages. Information for "
               "a page another page embeds, or whose canonical names another page (a print version).",
         todo="Add the site's navigation, or related links.",
         hint="add links to related pages"),
    Rule("links.broken_internal", "links", "medium", ("fix links",),
         means="A URL of the site (page, image, script, stylesheet, document) that answers 4xx or 5xx or fails, or a "
               "redirect that ends on one. One finding per target, however many pages link to it: the evidence lists "
               "every linking page (up to `max_listed`; the counts cover all) with the anchor text, the position on "
               "the page (nav, header, footer, main, ...) and the element. High when the link is in the site template"
               " (nav, header, footer) or on 10 pages or more, else medium. Confidence 0.95 for 404 and 410, 0.7 for "
               "5xx and failures (they may pass), 0.6 for 401, 403, 429 (the server may refuse only the crawler).",
         todo="Fix or remove the links, or restore (or redirect) the target.",
         hint="correct or remove the links on the {linking_pages} page(s) listed, or bring the target back"),
    Rule("links.redirect_chain", "links", "low", ("fix links",),
         means="A redirect that takes `redirect_chain_hops` (default 2) or more hops to reach an answer, reported "
               "where people enter it (a linked URL, a sitemap entry, a start URL), not at every hop. Low (0.95).",
         todo="Redirect the first URL straight to the last, and link to the last.",
         hint="{fix}"),
    Rule("links.redirect_loop", "links", "high", ("fix links",),
         means="A redirect that comes back to itself: the page never loads. High (0.95).",
         todo="Fix the redirect rules.",
         hint="fix the redirect loop on the server, and correct the links on the {linking_pages} page(s) listed"),
    Rule("links.to_redirect", "links", "low", ("fix links",),
         means="Pages link to a URL that redirects to a live page; the evidence gives the final URL to link to "
               "instead and every linking page. Low; confidence 0.95 for permanent redirects (301, 308). A temporary "
               "one (302, 303, 307) to another page is information: it is probably meant (a login wall, a language "
               "switch, a campaign); one that only respells the address (/news -> /news/) stays low (0.7).",
         todo="Point the links at the final URL.",
         hint="change the links on the {linking_pages} page(s) listed to {link_to_instead}"),
    Rule("links.broken_external", "links", "medium", ("fix links",),
         means="A link to another website whose check (HEAD, once per URL per crawl, no body downloaded) answered 4xx"
               " or 5xx or failed, with every linking page. Medium; confidence 0.9 for 404 and 410, 0.6 for 5xx and "
               "failures, 0.3 for 401, 403, 405, 429 (many sites refuse automated checks). Not reported from a crawl "
               "whose external checks nearly all failed with DNS or connection errors (next row).",
         todo="Update or remove the link.",
         hint="correct or remove the links to it on the {linking_pages} page(s) listed"),
    Rule("links.external_unchecked", "links", "info", ("note",),
         means="At least 5 external hosts were checked and at least 80% of them failed only with DNS or connection "
               "errors: the crawler was probably offline, so no external link is reported broken from this crawl. One"
               " per site (`subject_type = 'site'`); the evidence counts hosts and URLs and names the errors. Info.",
         todo="Re-crawl with a working network."),
    Rule("links.broken_in_archive", "links", "low", ("fix links",),
         means="Broken links (internal or external) that only old dated articles carry (articles judged a historical "
               "record, above): one finding per section (`subject_type = 'section'`) listing each target, its answer "
               "and the articles that link to it, instead of one item per target. Each target's own "
               "`broken_internal`/`broken_external` finding is kept, exact, as info. A target any other page links to"
               " (a live page, a recent post, a listing, the menu) keeps its own item. Low; the surest target's "
               "confidence.",
         todo="Correct or remove the links in the articles listed, or leave the archive as it is and dismiss the "
              "item.",
         hint="{fix}"),
    Rule("links.broken_template", "links", "high", ("fix links",),
         means="Broken links (internal or external) with the same target in the same template region (navigation, "
               "header, footer, sidebar) of at least `[checks] template_min_pages` pages: one finding per region "
               "(`subject_type = 'template'`) listing each target, its anchor, its answer and its pages, instead of "
               "one finding per target listing every page. High; the surest of its targets' confidences.",
         todo="Fix the links in the template once.",
         hint="{fix}"),
    Rule("links.insecure_own_link", "links", "low", ("fix links",),
         means="Pages link to the site's own https page over plain `http://` (a URL twin, see \"URL twins\"): one "
               "finding per `http://` URL, subject that URL, listing every linking page with its anchor and position;"
               " the page itself is crawled and judged once. Low (0.95).",
         todo="Change the links to the https:// address (`link_to_instead`).",
         hint="{fix}"),
    Rule("links.duplicate_url", "links", "low", ("fix links",),
         means="Pages link to a second address of a page of the site: `/x/index.html` (or `index.htm`) for `/x/`, or "
               "`https://` links to a site served over `http://`. One finding per twin URL, listing the linking "
               "pages. Low (0.95).",
         todo="Change the links to the page's one address (`link_to_instead`).",
         hint="{fix}"),
    Rule("links.sitemap_broken", "links", "medium", ("fix links",),
         means="A sitemap lists a URL that answers 4xx or 5xx or fails; the evidence names every sitemap that lists "
               "it and the answer. Medium (0.95 for 404 and 410).",
         todo="Take it out of the sitemaps, or bring the page back.",
         hint="{fix}"),
    Rule("links.sitemap_redirect", "links", "low", ("fix links",),
         means="A sitemap lists a URL that redirects; the evidence names the sitemaps, the status and where it leads."
               " Low (0.95).",
         todo="List the final address instead.",
         hint="{fix}"),
    Rule("social.hijackable_link", "social", "critical", ("fix links",),
         means="A page links to a social profile that does not exist (the platform said so: an API error, a 404 from "
               "an endpoint that answers every existing account, its \"this account doesn't exist\" text or its "
               '"unavailable" page; see "Social profiles"). Anyone can register the freed name and speak as the '
               "organisation to everyone who follows the link (broken link hijacking). One finding per profile, "
               'listing every linking page with its anchor, position and how it links (link, rel="me", JSON-LD '
               "sameAs). Critical, with the check's confidence; high when the name is longer than the platform allows"
               " (X: 15 characters), so nobody can register it.",
         todo="Remove or replace the links; consider registering the name yourself so nobody else can.",
         hint="remove or correct the links to it on the {linking_pages} page(s) listed"),   # the why says whether anyone
         # can take the name (not when it is longer than the platform allows): the hint does not say it again
    Rule("social.unavailable_account", "social", "high", ("update",),
         means="A declared profile that does not exist any more (and no page links to it: else the finding above), or"
               " a declared or linked profile that is suspended, banned, terminated or deactivated. High (medium for "
               "a suspended account that is neither official nor linked).",
         todo="Re-register or retire it in `[[social]]`; remove links to a suspended account.",
         hint="find out why the account is gone or suspended, and remove or correct the links to it"),
    Rule("social.dormant_account", "social", "medium", ("review",),
         means="The newest public post of an alive profile is older than `[social_settings] dormant_after` (default "
               "6m); the message gives the date, the evidence the latest posts. Also (confidence 0.6) a profile whose"
               " feed lists no post at all. Medium for official or linked profiles, else low; confidence 0.9. Closed "
               "platforms publish no posts openly: never reported.",
         todo="Post again, or retire the account and remove the links.",
         hint="post again, or close the account and take the links to it down"),
    Rule("social.unlisted_account", "social", "medium", ("review",),
         means="The sites link to a profile that `[[social]]` does not declare: it might not be the organisation's. "
               'Medium (0.8) when the site presents it as its own (rel="me", JSON-LD sameAs, or a link in the header,'
               " footer, navigation or sidebar); info (0.5) when only page content links to it (often someone else's "
               "account, cited: an author's, a partner's), so it is shown but not a cleanup item.",
         todo="Declare it with an owner, or check that the link is meant.",
         hint="check whether the account is yours: declare it in [[social]], or remove the links to it"),
    Rule("social.unlinked_account", "social", "low", ("review",),
         means="An official declared profile that no page of the latest crawl links to (by any form of its URL, "
               'rel="me" or sameAs): visitors cannot find it, and nothing on the site confirms it is genuine. Low '
               "(0.8).",
         todo='Link it from the site (footer, contact page), ideally with rel="me".',
         hint="link the account from the site (the footer, the contact page), or declare it with official = false"),
    Rule("social.network_down", "social", "info", ("note",),
         means="The latest social crawl reached no platform: at least 80% of at least 3 checks failed with DNS or "
               'connection errors before any server answered (see "Social profiles"). One note for the crawl '
               "(`subject_type = 'social_crawl'`, subject `(social crawl)`), info, 0.9; no account is judged from "
               "that crawl (its findings come from the latest crawl that reached the platforms). Not a cleanup item.",
         todo="Check the crawling machine's DNS, proxy and firewall, then run `decay crawl --only social`."),
    Rule("social.inconsistent_identity", "social", "medium", ("update",),
         means="An official, alive profile whose display name is not the organisation's name (`[organisation] name`; "
               "small spelling differences are tolerated), whose profile link points elsewhere than the "
               "organisation's website or sites, or whose handle differs from the one most of its profiles use. The "
               "evidence shows every official profile side by side. Medium (0.8) for a name or link, low (0.5) for a "
               "handle alone.",
         todo="Rename the profile, fix its link, or record why it differs.",
         hint="make the account's name, handle and bio link match the organisation's"),
    Rule(TEAM_ID, "", "medium", ("update",),
         means="A configured rule matched on the page (`term`, `pattern`, `banned_list`, `retired_domain`, "
               "`forbidden_element`) or, for `required`, the page lacks what it requires. The message is the rule's "
               "`message` plus what matched; the evidence quotes each hit (up to `max_quoted`) with about 80 "
               "characters either side and its region, counts all hits by region, and says what the rule looks for "
               "and in which file it is written. With `subject_type = 'template'`: the same hit in the template of "
               "`template_min_pages` pages or more, reported once, listing the pages. A retired name every mention "
               "of which is named on purpose (its change or retirement said with it, a quoted title, a dated article "
               "published before the name was retired: \"A retired name named on purpose\" above), or every match of "
               "which is not the site's own wording (a quotation, a code sample, the title of a law) is `info`, with "
               "each match's reason in `deliberate`. The rule's `severity`; "
               "confidence 0.95 (term, retired domain, forbidden element), 0.9 (banned list), 0.8 (pattern, required:"
               " text extraction may miss a phrase).",
         todo="Reword, relink or remove what matched (the replacement is in the message), or fix the template once; "
              "if the rule is wrong, tune it with `decay rules test`."),
    Rule("rules.rule_failed", "quality", "medium", ("update",),
         means="A pattern rule ran out of time (`pattern_timeout`) on some pages, or was stopped after `max_timeouts`"
               " of them: its results are incomplete. `subject_type = 'rule'`; the evidence lists the pages. Medium "
               "(1.0).",
         todo="Rewrite the pattern without nested repetition (`decay rules check` tests it)."),
    Rule("checks.outdated_technology", "security", "high", ("update",),
         means="A CMS or JavaScript library version with known vulnerabilities, one finding per technology and page "
               "(or once for the template): the evidence gives the version, where it was found (generator, script "
               "URL, banner) and every advisory that applies with its id, URL and affected range. The severity of the"
               " worst advisory; confidence 0.9 (generator, banner), 0.8 (script URL), 0.6 (a `?ver=` query, which "
               "may be the theme's version).",
         todo="Update the library or the CMS.",
         hint="update {match} to a supported version (the evidence cites each advisory)",
         message="known vulnerabilities"),
    Rule("checks.insecure_form", "security", "high", ("update",),
         means="A form that sends its answers over plain HTTP: the evidence gives the action, the method, the fields "
               "and whether one is a password. High on an HTTPS page or with a password field, else medium (0.95).",
         todo="Post to an https:// URL (and serve the page over HTTPS).",
         hint="make the form send to an https:// address",
         message="A form sends what people type over plain HTTP"),
    Rule("checks.mixed_content", "security", "medium", ("update",),
         means="An HTTPS page loads resources over plain HTTP: the evidence lists each with its element. High when "
               "scripts, stylesheets, frames or objects are among them (browsers block them), else medium (0.95).",
         todo="Load them over https://.",
         hint="load these over https:// (or from the site itself)",
         message="An HTTPS page loads content over plain HTTP"),
    Rule("checks.new_window_opener", "security", "info", ("note",),
         means="Links to other websites open a new window (`target=_blank`) without `rel=noopener` or `noreferrer`. "
               "Info (0.95), never a list item: browsers have treated `target=_blank` as `noopener` since 2020-2021 "
               "(Chrome 88, Firefox 79, Safari 12.1), and Lighthouse dropped its audit of it in 2021. It matters only "
               "to a site that must serve browsers older than those; switch it off with `new_window_opener = false`.",
         todo='Add `rel="noopener"` if the site must serve browsers older than those.',
         message="Links to other websites open a new window without rel=noopener"),
)
TEAM = next(r for r in CATALOG if r.id == TEAM_ID)
RULES = {r.id: r for r in CATALOG if r is not TEAM}    # the built-in rules by id
CATEGORY = {r.id: r.category for r in RULES.values()}


def lookup(rule_id: str) -> Rule | None:
    """The catalog entry of a finding's rule: its own, or the team rules' one for rules.<id>."""
    return RULES.get(rule_id) or (TEAM if rule_id.startswith("rules.") else None)


def categories(*rule_ids: str) -> dict[str, str]:
    """rule id -> category, for the rules a module emits."""
    return {r: CATEGORY[r] for r in rule_ids}


def with_role(role: str) -> frozenset[str]:
    """The built-in rules with this role in the cleanup list."""
    if role not in ROLES:
        raise ValueError(f"no role {role!r}; one of: " + ", ".join(ROLES))
    return frozenset(r.id for r in RULES.values() if role in r.roles)


def worst(severities) -> str:
    """The most urgent of these severities (info for none)."""
    return min(severities, key=SEVERITIES.index, default="info")


def reference_markdown() -> str:
    """README's "What each finding means": how a finding reads, and every rule."""
    out = ["Every finding has a rule, a category, a severity (" + ", ".join(SEVERITIES) + "), a confidence",
           "(0 to 1), a one-sentence message and its evidence as JSON (the dates and where they were found, the",
           "quoted text with about 80 characters either side, the thresholds), so a person can agree or disagree",
           "without reading code. Rules that read visible text look for English phrases and run only on English",
           "pages: on pages in other languages they stay silent rather than guess. Rules that read structured data",
           "run on every page.", "", "| rule | category | what it means | what to do |", "|---|---|---|---|"]
    for r in CATALOG:
        rid, category = (f"`{TEAM_ID}` (your rules)", "the rule's `category`") if r is TEAM else (f"`{r.id}`", r.category)
        out.append(f"| {rid} | {category} | {r.means} | {r.todo} |")
    return "\n".join(out) + "\n"
