"""The nightly run's notification: the summary POSTed as JSON to a webhook, with retries; never fatal."""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request


def _env_value(value: str) -> str | None:
    if value.startswith("env:"):
        return os.environ.get(value[4:]) or None
    return value


def post_webhook(url: str, payload: dict, timeout: float, retries: int, headers: dict[str, str] | None = None,
                 sleep=time.sleep) -> str:
    """POST JSON; retry connection errors, timeouts, 429 and 5xx.  Returns what happened, in words; never raises."""
    target = _env_value(url)
    if not target:
        return f"failed: {url} is not set in the environment"
    data = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    h = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "content-decay nightly"}
    for k, v in (headers or {}).items():
        value = _env_value(v)
        if value is not None:
            h[k] = value
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            sleep(min(2 ** (attempt - 1), 30))
        try:
            req = urllib.request.Request(target, data=data, headers=h, method="POST")
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return f"sent (HTTP {resp.status}, attempt {attempt + 1})"
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code}"
            if e.code != 429 and e.code < 500:
                break   # the hook refuses this request: trying again will not help
        except (urllib.error.URLError, TimeoutError, OSError) as e:
            reason = getattr(e, "reason", e)
            last = f"{type(reason).__name__}: {reason}"
    return f"failed after {attempt + 1} attempt(s): {last}"


def webhook_payload(s: dict, text: str) -> dict:
    """The JSON sent to the webhook: the short text (chat hooks show the field "text") and the headline figures."""
    f = s.get("findings") or {}
    p = s.get("pages") or {}
    return {
        "text": text,
        "run_id": s["run_id"], "status": s["status"], "exit_code": s["exit_code"], "database": s["database"],
        "summary_file": s.get("summary_file"),
        "pages": {k: p.get(f"{k}_count", 0) for k in ("added", "gone", "changed", "status")},
        "findings": {"new": f.get("new_count", 0), "new_alerts": f.get("new_alerts", [])[:20],
                     "resolved": f.get("resolved_count", 0), "open": f.get("open_count", 0),
                     "open_by_category": f.get("open_by_category", {}), "open_by_site": f.get("open_by_site", {})},
        "gone": p.get("gone", [])[:20],
        "crawl_errors": s.get("crawl_errors", []),
    }
