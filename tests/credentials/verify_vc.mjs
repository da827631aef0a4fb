// Verify credentials with Digital Bazaar's reference implementation (software we did not write).
//
//   node tests/credentials/verify_vc.mjs --service http://127.0.0.1:PORT FILE.json [FILE.json …]
//
// Each FILE holds one credential (an OB 3.0 AchievementCredential or a CLR 2.0 ClrCredential).
// Prints one JSON line per file: {"file", "verified", "revoked", "error", "embedded": [...]},
// where `embedded` holds the same result for each credential a CLR bundles.
//
// The document loader serves only local contexts: the ones vendored in the project
// (careercenter/credentials/contexts) and the ones the @digitalbazaar context packages export.
// It fetches the issuer profile, its keys and the status lists from the service given with
// --service (127.0.0.1 only) and refuses every other URL: no network.
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import securityContext from '@digitalbazaar/security-context';
import * as statusListContext from '@digitalbazaar/vc-bitstring-status-list-context';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VENDORED = path.resolve(HERE, '../../careercenter/credentials/contexts');
const VENDORED_FILES = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://www.w3.org/ns/credentials/examples/v2': 'credentials-examples-v2.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json': 'ob-v3p0-extensions.json',
  'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json': 'clr-v2p0-context-2.0.1.json',
};
const MULTIKEY_V1 = multikeyContext.CONTEXT_URL;
const SECURITY_V2 = securityContext.SECURITY_CONTEXT_V2_URL;

function parseArgs(argv) {
  const out = {service: null, files: []};
  for(let i = 0; i < argv.length; i++) {
    if(argv[i] === '--service') {
      out.service = argv[++i];
    } else {
      out.files.push(argv[i]);
    }
  }
  if(!out.service || !out.files.length) {
    throw new Error('usage: verify_vc.mjs --service http://127.0.0.1:PORT FILE.json…');
  }
  const url = new URL(out.service);
  if(url.hostname !== '127.0.0.1') {
    throw new Error(`--service must be on 127.0.0.1, not ${url.hostname}`);
  }
  out.service = url.origin;
  return out;
}

async function localContexts() {
  const map = new Map();
  for(const [url, file] of Object.entries(VENDORED_FILES)) {
    map.set(url, JSON.parse(await readFile(path.join(VENDORED, file), 'utf8')));
  }
  for(const pkg of [dataIntegrityContext, multikeyContext, securityContext, statusListContext]) {
    for(const [url, doc] of pkg.contexts) {
      if(!map.has(url)) {
        map.set(url, doc);
      }
    }
  }
  return map;
}

function makeLoader({contexts, service}) {
  const fetched = new Map();

  async function fetchJson(url) {
    if(!fetched.has(url)) {
      const response = await fetch(url, {headers: {accept: 'application/ld+json, application/json'}});
      if(!response.ok) {
        throw new Error(`GET ${url}: HTTP ${response.status}`);
      }
      fetched.set(url, await response.json());
    }
    return fetched.get(url);
  }

  return async function documentLoader(url) {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    let parsed;
    try {
      parsed = new URL(url);
    } catch{
      throw new Error(`refused: ${url} is not a URL`);
    }
    if(parsed.origin !== service) {
      throw new Error(`refused: ${url} (only vendored contexts and ${service} are loaded)`);
    }
    const base = url.split('#')[0];
    const document = await fetchJson(base);
    const methods = document.verificationMethod || [];
    if(parsed.hash) {
      // A verification method: the Multikey document the profile publishes under this id.
      const method = methods.find(m => m.id === url);
      if(!method || method.type !== 'Multikey') {
        throw new Error(`no Multikey ${url} in ${base}`);
      }
      return {
        contextUrl: null,
        documentUrl: url,
        document: {
          '@context': MULTIKEY_V1,
          id: method.id,
          type: 'Multikey',
          controller: method.controller,
          publicKeyMultibase: method.publicKeyMultibase,
        },
      };
    }
    if(methods.length) {
      // The issuer profile read as a controller document. Its own context list ends in
      // https://www.w3.org/ns/cid/v1, which no package ships: hand the verifier the same
      // `assertionMethod` in the security context it frames with.
      return {
        contextUrl: null,
        documentUrl: url,
        document: {'@context': SECURITY_V2, id: document.id, assertionMethod: document.assertionMethod},
      };
    }
    // A status list credential, verified by checkStatus with this same loader.
    return {contextUrl: null, documentUrl: url, document};
  };
}

async function verifyOne({credential, documentLoader}) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const out = {id: credential.id, verified: Boolean(result.verified), revoked: null, error: null};
  const statuses = result.statusResult?.results || [];
  const revocation = statuses.find(s => s.credentialStatus?.statusPurpose === 'revocation');
  if(revocation && revocation.verified) {
    out.revoked = Boolean(revocation.status);
  }
  if(!result.verified) {
    const errors = [];
    if(result.error) {
      errors.push(...(result.error.errors || [result.error]));
    }
    for(const r of result.results || []) {
      if(r.error) {
        errors.push(r.error);
      }
    }
    out.error = errors.map(e => e.message || String(e)).join('; ') || 'not verified';
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const documentLoader = makeLoader({contexts: await localContexts(), service: args.service});
  for(const file of args.files) {
    const credential = JSON.parse(await readFile(file, 'utf8'));
    let line;
    try {
      line = {file, ...(await verifyOne({credential, documentLoader}))};
      const embedded = credential.credentialSubject?.verifiableCredential;
      if(Array.isArray(embedded)) {
        line.embedded = [];
        for(const inner of embedded) {
          line.embedded.push(await verifyOne({credential: inner, documentLoader}));
        }
      }
    } catch(e) {
      line = {file, id: credential.id, verified: false, revoked: null, error: e.message || String(e)};
    }
    process.stdout.write(JSON.stringify(line) + '\n');
  }
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(2);
});
