// A test wallet written from the W3C CCG VC API "exchanges" and DID Authentication specs, on
// Digital Bazaar's libraries (not the service's code):
//
//   node tests/credentials/wallet.mjs EXCHANGE_URL [--wrong-challenge] [--other-key] [--replay]
//
// 1. POST {} to the exchange: expect a verifiablePresentationRequest (DIDAuthentication,
//    challenge, domain).
// 2. Make an Ed25519 did:key, sign a presentation holding nothing with it (eddsa-rdfc-2022,
//    purpose authentication, the challenge and domain), POST {verifiablePresentation}.
// Prints one JSON line per HTTP step: {"step", "status", "body"}; with --replay it posts the
// same presentation a second time. --wrong-challenge signs another challenge; --other-key signs
// with a second key while naming the first DID as holder.
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VC_V2 = 'https://www.w3.org/ns/credentials/v2';

async function contexts() {
  const map = new Map([[VC_V2, JSON.parse(await readFile(
    path.resolve(HERE, '../../careercenter/credentials/contexts/credentials-v2.jsonld'), 'utf8'))]]);
  for(const [url, doc] of dataIntegrityContext.contexts) {
    map.set(url, doc);
  }
  return map;
}

async function didKey() {
  const keyPair = await Ed25519Multikey.generate();
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  return {did, keyPair};
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST', headers: {'content-type': 'application/json', accept: 'application/json'},
    body: JSON.stringify(body)
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch{
    parsed = text;
  }
  return {status: response.status, body: parsed};
}

function say(step, answer) {
  process.stdout.write(JSON.stringify({step, ...answer}) + '\n');
}

async function main() {
  const [url, ...flags] = process.argv.slice(2);
  const known = await contexts();
  const documentLoader = async u => {
    if(known.has(u)) {
      return {contextUrl: null, documentUrl: u, document: known.get(u)};
    }
    throw new Error(`refused to load ${u}`);
  };
  const first = await post(url, {});
  say('request', first);
  const vpr = first.body?.verifiablePresentationRequest;
  if(first.status !== 200 || !vpr) {
    return;
  }
  const query = [].concat(vpr.query || []);
  if(!query.some(q => q.type === 'DIDAuthentication')) {
    throw new Error('not a DID Authentication request');
  }
  const holder = await didKey();
  const signer = flags.includes('--other-key') ? (await didKey()).keyPair : holder.keyPair;
  if(flags.includes('--other-key')) {
    // Claim the holder's DID and key id, but sign with another key.
    signer.controller = holder.did;
    signer.id = holder.keyPair.id;
  }
  const presentation = vc.createPresentation({holder: holder.did});
  const suite = new DataIntegrityProof({signer: signer.signer(), cryptosuite: eddsaRdfc2022});
  const challenge = flags.includes('--wrong-challenge') ? `${vpr.challenge}x` : vpr.challenge;
  const signed = await vc.signPresentation({presentation, suite, challenge, domain: vpr.domain, documentLoader});
  const second = await post(url, {verifiablePresentation: signed});
  say('presentation', {...second, holder: holder.did});
  if(flags.includes('--replay')) {
    say('replay', await post(url, {verifiablePresentation: signed}));
  }
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(2);
});
