"""Open Badges 3.0 / CLR 2.0 verifiable credentials for verified experiences and credit awards.

`jsonld` (vendored contexts, offline document loader, undefined-term check), `proof`
(Data Integrity `eddsa-rdfc-2022`), `jwt` (VC-JWT, ES256), `keys` (the issuing key),
`builders` (AchievementCredential, ClrCredential), `statuslist` (W3C Bitstring Status List),
`service` (issuing, revoking, verifying), `views`, `cli`, `demo`.
"""
