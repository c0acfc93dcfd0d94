/**
 * A SAML 2.0 identity provider for the SSO tests, built here: an RSA key pair and a self-signed X.509 certificate
 * (@peculiar/x509 over node:crypto's WebCrypto), AuthnRequests read from Cadre's redirect URL (HTTP-Redirect
 * binding, deflated), and Responses signed with xml-crypto exactly as an IdP signs them: the Assertion signed
 * (enveloped, exclusive c14n, RSA-SHA256), then the Response around it signed too. No network: the test posts the
 * response to the ACS itself, as the browser would.
 */
import "reflect-metadata";
import { randomBytes, webcrypto } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import * as x509 from "@peculiar/x509";
import { SignedXml } from "xml-crypto";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };

export interface IdpKey {
  privateKeyPem: string;
  certificatePem: string;
}

/** A key pair and its self-signed certificate (valid from an hour ago for `days`). */
export async function makeIdpKey(cn = "Cadre Test IdP", days = 30): Promise<IdpKey> {
  const keys = await webcrypto.subtle.generateKey(RSA, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString("hex"),
    name: `CN=${cn}`,
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + days * 86_400_000),
    signingAlgorithm: RSA,
    keys,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n")}\n-----END PRIVATE KEY-----\n`;
  return { privateKeyPem, certificatePem: cert.toString("pem") };
}

export interface AuthnRequestSeen {
  id: string;
  acsUrl: string;
  issuer: string;
  relayState: string;
}

/** What the IdP reads from Cadre's redirect: the AuthnRequest (deflated, base64) and the RelayState. */
export function readAuthnRequest(redirectUrl: string): AuthnRequestSeen {
  const url = new URL(redirectUrl);
  const xml = inflateRawSync(Buffer.from(url.searchParams.get("SAMLRequest") ?? "", "base64")).toString("utf8");
  const attr = (name: string) => new RegExp(`<samlp:AuthnRequest\\b[^>]*\\s${name}="([^"]*)"`).exec(xml)?.[1] ?? "";
  return {
    id: attr("ID"),
    acsUrl: attr("AssertionConsumerServiceURL"),
    issuer: /<saml:Issuer[^>]*>([^<]*)<\/saml:Issuer>/.exec(xml)?.[1] ?? "",
    relayState: url.searchParams.get("RelayState") ?? "",
  };
}

export interface ResponseOptions {
  entityId: string;
  /** the AuthnRequest answered; null: unsolicited (IdP-initiated) */
  inResponseTo: string | null;
  acsUrl: string;
  audience: string;
  /** the Response's Destination (default: acsUrl) */
  destination?: string;
  nameId: string;
  attributes?: Record<string, string[]>;
  /** SubjectConfirmationData and Conditions NotOnOrAfter (default: in 5 minutes) */
  notOnOrAfter?: Date;
  issueInstant?: Date;
  assertionId?: string;
  signAssertion?: boolean;
  signResponse?: boolean;
  /** the key that signs (default: the IdP's own) */
  key: IdpKey;
  /** a change to the XML after signing */
  tamper?: (xml: string) => string;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function sign(xml: string, key: IdpKey, reference: string, after: string): string {
  const sig = new SignedXml({
    privateKey: key.privateKeyPem,
    publicCert: key.certificatePem,
    signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
  });
  sig.addReference({
    xpath: reference,
    digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
    transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"],
  });
  sig.computeSignature(xml, { location: { reference: after, action: "after" } });
  return sig.getSignedXml();
}

/** A base64 SAMLResponse as the IdP's auto-submitting form posts it. */
export function samlResponse(o: ResponseOptions): string {
  const now = o.issueInstant ?? new Date();
  const until = (o.notOnOrAfter ?? new Date(Date.now() + 5 * 60_000)).toISOString();
  const assertionId = o.assertionId ?? `_a${randomBytes(16).toString("hex")}`;
  const irt = o.inResponseTo ? ` InResponseTo="${esc(o.inResponseTo)}"` : "";
  const attributes = Object.entries(o.attributes ?? {})
    .map(
      ([name, vals]) =>
        `<saml:Attribute Name="${esc(name)}">${vals.map((v) => `<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">${esc(v)}</saml:AttributeValue>`).join("")}</saml:Attribute>`,
    )
    .join("");
  let assertion =
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${assertionId}" Version="2.0" IssueInstant="${now.toISOString()}">` +
    `<saml:Issuer>${esc(o.entityId)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${esc(o.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${irt} NotOnOrAfter="${until}" Recipient="${esc(o.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${new Date(now.getTime() - 30_000).toISOString()}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${esc(o.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${now.toISOString()}" SessionIndex="${assertionId}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : "") +
    `</saml:Assertion>`;
  if (o.signAssertion !== false) assertion = sign(assertion, o.key, "//*[local-name(.)='Assertion']", "//*[local-name(.)='Issuer']");
  let response =
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomBytes(16).toString("hex")}" Version="2.0" IssueInstant="${now.toISOString()}" Destination="${esc(o.destination ?? o.acsUrl)}"${irt}>` +
    `<saml:Issuer>${esc(o.entityId)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    assertion +
    `</samlp:Response>`;
  if (o.signResponse !== false) response = sign(response, o.key, "/*[local-name(.)='Response']", "/*[local-name(.)='Response']/*[local-name(.)='Issuer']");
  if (o.tamper) response = o.tamper(response);
  return Buffer.from(response, "utf8").toString("base64");
}
