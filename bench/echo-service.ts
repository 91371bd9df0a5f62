/**
 * The baseline every benchmark compares against: a bare node-soap echo service on express, the
 * cost floor of one SOAP hop on this machine.
 */
import express from 'express';
import * as soap from 'soap';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ECHO_NS = 'urn:bench:echo';

export const ECHO_WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${ECHO_NS}" targetNamespace="${ECHO_NS}" name="Echo">
  <types>
    <xsd:schema targetNamespace="${ECHO_NS}" elementFormDefault="qualified">
      <xsd:element name="Echo"><xsd:complexType><xsd:sequence><xsd:element name="Text" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
      <xsd:element name="EchoResponse"><xsd:complexType><xsd:sequence><xsd:element name="Text" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
    </xsd:schema>
  </types>
  <message name="EchoRequest"><part name="parameters" element="tns:Echo"/></message>
  <message name="EchoResponse"><part name="parameters" element="tns:EchoResponse"/></message>
  <portType name="EchoPortType"><operation name="Echo"><input message="tns:EchoRequest"/><output message="tns:EchoResponse"/></operation></portType>
  <binding name="EchoBinding" type="tns:EchoPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Echo"><soap:operation soapAction="${ECHO_NS}:Echo"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>
  </binding>
  <service name="EchoService"><port name="EchoPort" binding="tns:EchoBinding"><soap:address location="http://localhost/echo"/></port></service>
</definitions>`;

export function echoRequest(text: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Echo xmlns="${ECHO_NS}"><Text>${text}</Text></Echo></soap:Body></soap:Envelope>`;
}

/** Starts the echo on 127.0.0.1 (a free port); resolves to its /echo URL and a way to stop it. */
export async function startNodeSoapEcho(): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  soap.listen(app, '/echo', { EchoService: { EchoPort: { Echo: (args: { Text: string }) => ({ Text: args.Text }) } } }, ECHO_WSDL);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`,
    server,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
