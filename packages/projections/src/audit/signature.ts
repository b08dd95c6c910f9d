/**
 * Signed publications: Ed25519 (node:crypto) over the publication's digest, so that a publication is the
 * office's word and not a digest anyone could recompute after editing it.
 *
 * - What is signed: the UTF-8 bytes of `kpi-publication/1 digest <digest>`, where `<digest>` is the SHA-256 of
 *   the publication's canonical content (`publication.ts`; neither `digest` nor `signature` is part of it). An
 *   auditor can check it with OpenSSL alone (docs/audit.md).
 * - The `signature` member carries the algorithm, the signer's public key (SPKI DER, base64), its key id
 *   (SHA-256 of that DER, hex) and the signature (base64). The public key in the file only names the signer:
 *   trust comes from the key the auditor holds, obtained apart from the file, which must be the same key.
 * - The private key is a PKCS #8 PEM file named by configuration (`KPI_PUBLICATION_KEY`), never in the
 *   repository; tests make keys at run time.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";

export const SIGNATURE_ALGORITHM = "Ed25519";

export const PublicationSignature = t.strict({
  algorithm: t.literal(SIGNATURE_ALGORITHM),
  /** The signer's public key: SPKI DER, base64. */
  publicKey: t.string,
  /** SHA-256 (hex) of the public key's SPKI DER. */
  keyId: t.string,
  /** The Ed25519 signature of `signedText(digest)`, base64. */
  value: t.string,
});
export type PublicationSignature = t.TypeOf<typeof PublicationSignature>;

/** The text whose UTF-8 bytes are signed. */
export const signedText = (digest: string): string => `kpi-publication/1 digest ${digest}`;

const spki = (publicKey: KeyObject): Buffer => publicKey.export({ type: "spki", format: "der" });

/** The key id of a public key: SHA-256 (hex) of its SPKI DER. */
export const keyIdOf = (publicKey: KeyObject): string => createHash("sha256").update(spki(publicKey)).digest("hex");

/** The signature of a digest with the office's private key. */
export const signDigest = (digest: string, privateKey: KeyObject): PublicationSignature => {
  const publicKey = createPublicKey(privateKey);
  return {
    algorithm: SIGNATURE_ALGORITHM,
    publicKey: spki(publicKey).toString("base64"),
    keyId: keyIdOf(publicKey),
    value: sign(null, Buffer.from(signedText(digest), "utf8"), privateKey).toString("base64"),
  };
};

export type SignatureCheck =
  | { readonly _tag: "Valid"; readonly keyId: string }
  | { readonly _tag: "Unsigned" }
  /** Signed, but by another key than the one the auditor holds. */
  | { readonly _tag: "KeyMismatch"; readonly signedBy: string; readonly expected: string }
  /** Signed by the auditor's key, but not over this content (the file was edited after signing). */
  | { readonly _tag: "BadSignature"; readonly keyId: string };

/**
 * Checks a publication's signature against the auditor's public key, over `digest` — the digest of the content
 * as read (not the one the file states, which an editor could have recomputed).
 */
export const checkSignature = (
  signature: PublicationSignature | undefined,
  digest: string,
  trusted: KeyObject,
): SignatureCheck => {
  if (signature === undefined) return { _tag: "Unsigned" };
  const expected = keyIdOf(trusted);
  let signer: string;
  try {
    signer = keyIdOf(createPublicKey({ key: Buffer.from(signature.publicKey, "base64"), format: "der", type: "spki" }));
  } catch {
    signer = signature.keyId;
  }
  if (signer !== expected || signature.keyId !== expected) {
    return { _tag: "KeyMismatch", signedBy: signature.keyId, expected };
  }
  const ok = verify(null, Buffer.from(signedText(digest), "utf8"), trusted, Buffer.from(signature.value, "base64"));
  return ok ? { _tag: "Valid", keyId: expected } : { _tag: "BadSignature", keyId: expected };
};

export const describeSignatureCheck = (c: SignatureCheck): string => {
  switch (c._tag) {
    case "Valid":
      return `valid Ed25519 signature by key ${c.keyId}`;
    case "Unsigned":
      return "the publication is not signed";
    case "KeyMismatch":
      return `signed by key ${c.signedBy}, not by the key you hold (${c.expected})`;
    case "BadSignature":
      return `the signature by key ${c.keyId} does not match the content: the file was changed after it was signed`;
  }
};

export type KeyFileError = { readonly _tag: "KeyFileUnreadable"; readonly file: string; readonly reason: string };

export const describeKeyFileError = (e: KeyFileError): string => `the key file ${e.file} ${e.reason}`;

const readKey = (file: string, make: (pem: Buffer) => KeyObject, what: string): E.Either<KeyFileError, KeyObject> => {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (e) {
    return E.left({
      _tag: "KeyFileUnreadable",
      file,
      reason: `cannot be read (${e instanceof Error && "code" in e ? String(e.code) : "unreadable"})`,
    });
  }
  let key: KeyObject;
  try {
    key = make(pem);
  } catch {
    return E.left({ _tag: "KeyFileUnreadable", file, reason: `is not a PEM ${what}` });
  }
  if (key.asymmetricKeyType !== "ed25519") {
    return E.left({
      _tag: "KeyFileUnreadable",
      file,
      reason: `holds a ${key.asymmetricKeyType ?? "non-asymmetric"} key; publications are signed with Ed25519 (openssl genpkey -algorithm ed25519)`,
    });
  }
  return E.right(key);
};

/** The office's private key (PKCS #8 PEM). */
export const readPrivateKey = (file: string): E.Either<KeyFileError, KeyObject> =>
  readKey(file, (pem) => createPrivateKey(pem), "private key (PKCS #8)");

/** The auditor's copy of the office's public key (SPKI PEM). */
export const readPublicKey = (file: string): E.Either<KeyFileError, KeyObject> =>
  readKey(file, (pem) => createPublicKey(pem), "public key (SPKI)");
