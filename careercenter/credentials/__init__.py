"""Open Badges 3.0 / CLR 2.0 verifiable credentials for verified experiences and credit awards.

`jsonld` (vendored contexts, offline document loader, undefined-term check), `proof`
(Data Integrity `eddsa-rdfc-2022`), `jwt` (VC-JWT, ES256), `keys` (the issuing key),
`builders` (AchievementCredential, ClrCredential), `statuslist` (W3C Bitstring Status List),
`issuance` (issuing credentials and the CLR), `status` (revocation, the status list, the receivers),
`verification`, `views`, `cli`, `demo`.
"""
