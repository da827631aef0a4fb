"""Cross-domain events, so a domain can react to another's change without importing its views.

Receivers run inside the sender's transaction (they get the session) and must only `flush()`.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sent by credits when an approval makes an award, ready for the registrar: (sender, session, award)
award_ready = _signals.signal("award-ready")
#: sent by credits when registrar staff rescind an award: (sender, session, award, actor, reason)
award_rescinded = _signals.signal("award-rescinded")
#: sent by transcripts when a transcript is revoked: (sender, session, transcript, actor, reason)
transcript_revoked = _signals.signal("transcript-revoked")
#: sent by sso when the directory changes someone's name (sign-in or `flask directory sync`):
#: (sender, session, person, old_name)
name_changed = _signals.signal("name-changed")
#: sent by amendments when registrar staff grant an amendment (the record is a new version):
#: (sender, session, request, actor)
amendment_granted = _signals.signal("amendment-granted")
