/** Ed25519 signatures of a publication's digest: valid with the signer's key; refused otherwise, saying why. */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as E from "fp-ts/lib/Either.js";
import { afterAll, describe, expect, it } from "vitest";
import { checkSignature, keyIdOf, readPrivateKey, readPublicKey, signDigest } from "./signature.js";

const office = generateKeyPairSync("ed25519");
const other = generateKeyPairSync("ed25519");
const digest = "ab".repeat(32);
const dir = mkdtempSync(join(tmpdir(), "kpi-sig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("checkSignature", () => {
  it("accepts the office's signature over the digest, with the office's key", () => {
    const s = signDigest(digest, office.privateKey);
    expect(s.keyId).toBe(keyIdOf(office.publicKey));
    expect(checkSignature(s, digest, office.publicKey)).toEqual({ _tag: "Valid", keyId: s.keyId });
  });

  it("refuses another digest, another key, a stolen key id, and no signature", () => {
    const s = signDigest(digest, office.privateKey);
    expect(checkSignature(s, "cd".repeat(32), office.publicKey)._tag).toBe("BadSignature");
    expect(checkSignature(s, digest, other.publicKey)).toMatchObject({ _tag: "KeyMismatch", signedBy: s.keyId });
    const byOther = signDigest(digest, other.privateKey);
    expect(checkSignature({ ...byOther, keyId: s.keyId }, digest, office.publicKey)._tag).toBe("KeyMismatch");
    expect(checkSignature({ ...s, value: byOther.value }, digest, office.publicKey)._tag).toBe("BadSignature");
    expect(checkSignature(undefined, digest, office.publicKey)).toEqual({ _tag: "Unsigned" });
  });
});

describe("key files", () => {
  it("reads PEM keys and refuses a missing file, a non-key and a key of another kind", () => {
    const priv = join(dir, "k.pem");
    const pub = join(dir, "k.pub.pem");
    writeFileSync(priv, office.privateKey.export({ type: "pkcs8", format: "pem" }));
    writeFileSync(pub, office.publicKey.export({ type: "spki", format: "pem" }));
    const k = readPrivateKey(priv);
    const p = readPublicKey(pub);
    if (E.isLeft(k) || E.isLeft(p)) throw new Error("keys did not read");
    expect(checkSignature(signDigest(digest, k.right), digest, p.right)._tag).toBe("Valid");
    expect(readPublicKey(join(dir, "none.pem"))).toMatchObject({ left: { reason: "cannot be read (ENOENT)" } });
    writeFileSync(join(dir, "junk.pem"), "not a key");
    expect(readPublicKey(join(dir, "junk.pem"))).toMatchObject({ left: { reason: "is not a PEM public key (SPKI)" } });
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(join(dir, "ec.pem"), ec.publicKey.export({ type: "spki", format: "pem" }));
    expect(readPublicKey(join(dir, "ec.pem"))).toMatchObject({
      left: { reason: expect.stringContaining("holds a ec key") },
    });
  });
});
