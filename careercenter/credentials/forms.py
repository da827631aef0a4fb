"""The public credential verifier's form: paste a credential, or upload its file."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

#: A single credential is a few KB; a CLR about 4 KB per record it bundles.
MAX_TEXT = 2 * 1024 * 1024


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # verification changes nothing; verifiers may post from anywhere

    credential = TextAreaField("Credential (JSON or JWT)")
    upload = FileField("…or upload the credential file (.json or .jwt)")

    def validate(self, extra_validators: dict | None = None) -> bool:  # type: ignore[type-arg]
        if not super().validate(extra_validators):
            return False
        pasted = (self.credential.data or "").strip()
        has_file = bool(self.upload.data and getattr(self.upload.data, "filename", ""))
        if not pasted and not has_file:
            self.credential.errors.append("Paste a credential, or choose a file to upload.")
            return False
        if pasted and has_file:
            self.credential.errors.append("Paste a credential or upload a file, not both.")
            return False
        if has_file:
            data = self.upload.data.read(MAX_TEXT + 1)
            if len(data) > MAX_TEXT:
                self.upload.errors.append("The file is larger than 2 MB; a credential or record is much smaller.")
                return False
            try:
                self._text = data.decode("utf-8")
            except UnicodeDecodeError:
                self.upload.errors.append("The file is not a text credential (JSON or JWT).")
                return False
        else:
            if len(pasted) > MAX_TEXT:
                self.credential.errors.append("That is larger than 2 MB; a credential or record is much smaller.")
                return False
            self._text = pasted
        return True

    def text_value(self) -> str:
        return self._text
