import { expect } from 'chai';
import pino from 'pino';
import { RegistryStore, type RegistryRepository } from '../../src/registry';
import { bag, binding, business, CAPABILITY, ref, service, tModel, WSDL_TYPES } from './fixtures';
import { bodyElement, detailElement, openTestRegistry, startRegistryServer, uddiPost, validateUddi, UDDI_NS, type RegistryServer, type TestRegistry } from './support';

const NS = `xmlns="${UDDI_NS}"`;

function attrOf(xml: string, element: string, attribute: string): string | undefined {
  return new RegExp(`<${element}\\b[^>]*\\s${attribute}="([^"]*)"`).exec(xml)?.[1];
}

function textOf(xml: string, element: string): string | undefined {
  return new RegExp(`<${element}\\b[^>]*>([^<]*)</${element}>`).exec(xml)?.[1];
}

describe('UDDI registry over SOAP: /uddi/inquiry, /uddi/publication, /uddi/security', () => {
  let t: TestRegistry;
  let server: RegistryServer;
  let inquiry: string;
  let publication: string;
  let security: string;
  let token: string;
  let businessKey: string;
  let serviceKey: string;
  let bindingKey: string;
  let tModelKey: string;

  before(async () => {
    t = await openTestRegistry();
    await t.registry.createPublisher('dept-a', 'dept-a-secret');
    server = await startRegistryServer(t.registry);
    inquiry = `${server.url}/uddi/inquiry`;
    publication = `${server.url}/uddi/publication`;
    security = `${server.url}/uddi/security`;
  });
  after(async () => {
    await server.close();
    await t.close();
  });

  it('get_authToken answers an authToken valid against uddi_v3.xsd', async () => {
    const res = await uddiPost(security, `<get_authToken ${NS} userID="dept-a" cred="dept-a-secret"/>`, 'get_authToken');
    expect(res.status).to.equal(200);
    const reply = bodyElement(res.body);
    validateUddi(reply);
    token = textOf(reply, 'authInfo')!;
    expect(token).to.match(/^authtoken:/);
  });

  it('save_tModel and save_business answer tModelDetail and businessDetail valid against the schema', async () => {
    const tm = await uddiPost(publication, `<save_tModel ${NS}><authInfo>${token}</authInfo><tModel tModelKey=""><name>Permit portType</name><description xml:lang="en">WSDL portType</description><overviewDoc><overviewURL useType="wsdlInterface">http://dept-a.example/permit?wsdl</overviewURL></overviewDoc><categoryBag><keyedReference tModelKey="${WSDL_TYPES}" keyName="portType" keyValue="portType"/></categoryBag></tModel></save_tModel>`, 'save_tModel');
    expect(tm.status, tm.body).to.equal(200);
    validateUddi(bodyElement(tm.body));
    tModelKey = attrOf(tm.body, 'tModel', 'tModelKey')!;
    expect(tModelKey).to.match(/^uddi:test\.example:/);

    // No SOAPAction at all: dispatch is on the body element.
    const res = await uddiPost(publication, `<uddi:save_business xmlns:uddi="${UDDI_NS}"><uddi:authInfo>${token}</uddi:authInfo>
      <uddi:businessEntity>
        <uddi:discoveryURLs><uddi:discoveryURL useType="homepage">http://dept-a.example/</uddi:discoveryURL></uddi:discoveryURLs>
        <uddi:name xml:lang="en">Department A &amp; Co</uddi:name>
        <uddi:description>Permits</uddi:description>
        <uddi:contacts><uddi:contact useType="admin"><uddi:personName>Wang</uddi:personName><uddi:email>wang@dept-a.example</uddi:email><uddi:address><uddi:addressLine>Road 1</uddi:addressLine></uddi:address></uddi:contact></uddi:contacts>
        <uddi:businessServices><uddi:businessService>
          <uddi:name>Permit process</uddi:name>
          <uddi:bindingTemplates><uddi:bindingTemplate>
            <uddi:description>SOAP endpoint</uddi:description>
            <uddi:accessPoint useType="endPoint">http://dept-a.example/wfxml/factory/permit</uddi:accessPoint>
            <uddi:tModelInstanceDetails><uddi:tModelInstanceInfo tModelKey="${tModelKey}"><uddi:instanceDetails><uddi:instanceParms>certificate
PEM</uddi:instanceParms></uddi:instanceDetails></uddi:tModelInstanceInfo></uddi:tModelInstanceDetails>
            <uddi:categoryBag><uddi:keyedReference tModelKey="${CAPABILITY}" keyValue="permit-review"/></uddi:categoryBag>
          </uddi:bindingTemplate></uddi:bindingTemplates>
          <uddi:categoryBag><uddi:keyedReference tModelKey="${CAPABILITY}" keyValue="permit-review"/></uddi:categoryBag>
        </uddi:businessService></uddi:businessServices>
        <uddi:identifierBag><uddi:keyedReference tModelKey="uddi:interflow.org:department-code" keyValue="A"/></uddi:identifierBag>
        <uddi:categoryBag><uddi:keyedReference tModelKey="${CAPABILITY}" keyValue="permit-review"/><uddi:keyedReferenceGroup tModelKey="uddi:interflow.org:location"><uddi:keyedReference tModelKey="uddi:interflow.org:city" keyValue="Guangzhou"/></uddi:keyedReferenceGroup></uddi:categoryBag>
      </uddi:businessEntity></uddi:save_business>`);
    expect(res.status, res.body).to.equal(200);
    const reply = bodyElement(res.body);
    validateUddi(reply);
    businessKey = attrOf(reply, 'businessEntity', 'businessKey')!;
    serviceKey = attrOf(reply, 'businessService', 'serviceKey')!;
    bindingKey = attrOf(reply, 'bindingTemplate', 'bindingKey')!;
    expect(textOf(reply, 'name')).to.equal('Department A &amp; Co');
    expect(reply).to.include('<instanceParms>certificate\nPEM</instanceParms>');
  });

  it('inquiry replies are valid against the schema: businessList, serviceList, bindingDetail, tModelList and the details', async () => {
    const replies = [
      await uddiPost(inquiry, `<find_business ${NS} maxRows="10"><findQualifiers><findQualifier>approximateMatch</findQualifier></findQualifiers><name>Department%</name></find_business>`, 'find_business'),
      await uddiPost(inquiry, `<find_service ${NS} businessKey="${businessKey}"><categoryBag><keyedReference tModelKey="${CAPABILITY}" keyValue="permit-review"/></categoryBag></find_service>`, 'find_service'),
      await uddiPost(inquiry, `<find_binding ${NS} serviceKey="${serviceKey}"><tModelBag><tModelKey>${tModelKey}</tModelKey></tModelBag></find_binding>`, 'find_binding'),
      await uddiPost(inquiry, `<find_tModel ${NS}><categoryBag><keyedReference tModelKey="${WSDL_TYPES}" keyValue="portType"/></categoryBag></find_tModel>`, 'find_tModel'),
      await uddiPost(inquiry, `<get_businessDetail ${NS}><businessKey>${businessKey}</businessKey></get_businessDetail>`, 'get_businessDetail'),
      await uddiPost(inquiry, `<get_serviceDetail ${NS}><serviceKey>${serviceKey}</serviceKey></get_serviceDetail>`, 'get_serviceDetail'),
      await uddiPost(inquiry, `<get_bindingDetail ${NS}><bindingKey>${bindingKey}</bindingKey></get_bindingDetail>`, 'get_bindingDetail'),
      await uddiPost(inquiry, `<get_tModelDetail ${NS}><tModelKey>${tModelKey}</tModelKey></get_tModelDetail>`, 'get_tModelDetail'),
      await uddiPost(inquiry, `<get_operationalInfo ${NS}><entityKey>${businessKey}</entityKey><entityKey>${tModelKey}</entityKey></get_operationalInfo>`, 'get_operationalInfo'),
      await uddiPost(publication, `<get_registeredInfo ${NS} infoSelection="all"><authInfo>${token}</authInfo></get_registeredInfo>`, 'get_registeredInfo'),
    ];
    for (const res of replies) {
      expect(res.status, res.body).to.equal(200);
      validateUddi(bodyElement(res.body));
    }
    const list = bodyElement(replies[0].body);
    expect(list).to.match(/^<businessList xmlns="urn:uddi-org:api_v3"><listDescription><includeCount>1<\/includeCount><actualCount>1<\/actualCount><listHead>1<\/listHead><\/listDescription><businessInfos><businessInfo businessKey="/);
    expect(list).to.include(`<serviceInfo serviceKey="${serviceKey}" businessKey="${businessKey}"><name>Permit process</name></serviceInfo>`);
    expect(bodyElement(replies[2].body)).to.include('<accessPoint useType="endPoint">http://dept-a.example/wfxml/factory/permit</accessPoint>');
  });

  it('a request in another prefix style and with a SOAPAction of another operation still dispatches on the body', async () => {
    const res = await uddiPost(inquiry, `<u:get_bindingDetail xmlns:u="${UDDI_NS}"><u:bindingKey>${bindingKey.toUpperCase()}</u:bindingKey></u:get_bindingDetail>`, 'find_business');
    expect(res.status).to.equal(200);
    expect(attrOf(res.body, 'bindingTemplate', 'bindingKey')).to.equal(bindingKey);
  });

  describe('errors: a SOAP 1.1 Fault whose detail is a dispositionReport', () => {
    async function fault(url: string, request: string): Promise<{ status: number; faultcode: string; errno: string; errCode: string; text: string; keyType?: string }> {
      const res = await uddiPost(url, request);
      const detail = detailElement(res.body);
      validateUddi(detail);
      return {
        status: res.status,
        faultcode: textOf(res.body, 'faultcode')!,
        errno: attrOf(detail, 'result', 'errno')!,
        errCode: attrOf(detail, 'errInfo', 'errCode')!,
        text: textOf(detail, 'errInfo')!,
        keyType: attrOf(detail, 'result', 'keyType'),
      };
    }

    it('E_invalidKeyPassed (10210) for an unknown key, naming it', async () => {
      const f = await fault(inquiry, `<get_businessDetail ${NS}><businessKey>uddi:test.example:nobody</businessKey></get_businessDetail>`);
      expect(f).to.include({ status: 500, faultcode: 'soap:Client', errno: '10210', errCode: 'E_invalidKeyPassed', keyType: 'businessKey' });
      expect(f.text).to.include('uddi:test.example:nobody');
    });

    it('E_authTokenRequired (10120), E_authTokenExpired (10110), E_unknownUser (10150)', async () => {
      expect(await fault(publication, `<save_business ${NS}><businessEntity><name>x</name></businessEntity></save_business>`)).to.include({ errno: '10120', errCode: 'E_authTokenRequired' });
      expect(await fault(security, `<get_authToken ${NS} userID="dept-a" cred="wrong"/>`)).to.include({ errno: '10150', errCode: 'E_unknownUser' });
      const short = await t.registry.getAuthToken('dept-a', 'dept-a-secret');
      t.clock.advance(601);
      expect(await fault(publication, `<delete_business ${NS}><authInfo>${short}</authInfo><businessKey>${businessKey}</businessKey></delete_business>`)).to.include({ errno: '10110', errCode: 'E_authTokenExpired' });
      token = await t.registry.getAuthToken('dept-a', 'dept-a-secret');
    });

    it('E_userMismatch (10140) for another publisher\'s entity', async () => {
      await t.registry.createPublisher('dept-b', 'dept-b-secret');
      const other = await t.registry.getAuthToken('dept-b', 'dept-b-secret');
      expect(await fault(publication, `<delete_business ${NS}><authInfo>${other}</authInfo><businessKey>${businessKey}</businessKey></delete_business>`)).to.include({ errno: '10140', errCode: 'E_userMismatch' });
    });

    it('E_invalidValue (20200) for content the schema would refuse, E_unsupported (10050) for what the node does not do', async () => {
      expect(await fault(publication, `<save_business ${NS}><authInfo>${token}</authInfo><businessEntity><description>no name</description></businessEntity></save_business>`)).to.include({ errno: '20200', errCode: 'E_invalidValue' });
      expect(await fault(inquiry, `<find_business ${NS} maxRows="many"/>`)).to.include({ errno: '20200' });
      expect(await fault(inquiry, `<find_relatedBusinesses ${NS}><businessKey>${businessKey}</businessKey></find_relatedBusinesses>`)).to.include({ errno: '10050', errCode: 'E_unsupported' });
      expect(await fault(publication, `<add_publisherAssertions ${NS}><authInfo>${token}</authInfo></add_publisherAssertions>`)).to.include({ errno: '10050' });
      expect(await fault(inquiry, `<find_business ${NS}><findQualifiers><findQualifier>soundsLike</findQualifier></findQualifiers></find_business>`)).to.include({ errno: '10050' });
      expect(await fault(inquiry, `<find_business ${NS}><findQualifiers><findQualifier>exactMatch</findQualifier><findQualifier>approximateMatch</findQualifier></findQualifiers></find_business>`)).to.include({ errno: '40500', errCode: 'E_invalidCombination' });
      const signed = await fault(publication, `<save_tModel ${NS}><authInfo>${token}</authInfo><tModel><name>signed</name><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"/></tModel></save_tModel>`);
      expect(signed).to.include({ errno: '10050' });
      expect(signed.text).to.match(/signature/i);
    });

    it('E_keyUnavailable (40100) for a proposed key in the node\'s partition', async () => {
      expect(await fault(publication, `<save_tModel ${NS}><authInfo>${token}</authInfo><tModel tModelKey="uddi:test.example:mine"><name>x</name></tModel></save_tModel>`)).to.include({ errno: '40100', errCode: 'E_keyUnavailable' });
    });

    it('E_fatalError (10500), a Server fault naming a correlation id, when the node itself fails', async () => {
      const broken: RegistryRepository = {
        read: () => Promise.reject(new Error('disk on fire at /var/lib/secret.db')),
        write: () => Promise.reject(new Error('disk on fire')),
        close: async () => undefined,
      };
      const lines: string[] = [];
      const log = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
      const brokenServer = await startRegistryServer(new RegistryStore(broken, { nodeDomain: 'test.example', env: {} }), log);
      try {
        const res = await uddiPost(`${brokenServer.url}/uddi/inquiry`, `<find_business ${NS}/>`);
        const detail = detailElement(res.body);
        validateUddi(detail);
        expect(res.status).to.equal(500);
        expect(textOf(res.body, 'faultcode')).to.equal('soap:Server');
        expect(attrOf(detail, 'result', 'errno')).to.equal('10500');
        expect(res.body).not.to.include('disk on fire');
        expect(res.body).to.match(/correlation id [0-9a-f-]{36}/);
        expect(lines.join('')).to.include('disk on fire');
      } finally {
        await brokenServer.close();
      }
    });
  });

  it('delete_xx and discard_authToken answer an empty Body', async () => {
    const res = await uddiPost(publication, `<delete_binding ${NS}><authInfo>${token}</authInfo><bindingKey>${bindingKey}</bindingKey></delete_binding>`, 'delete_binding');
    expect(res.status).to.equal(200);
    expect(res.body).to.match(/<soap:Body><\/soap:Body>/);
    const tm = await uddiPost(publication, `<delete_tModel ${NS}><authInfo>${token}</authInfo><tModelKey>${tModelKey}</tModelKey></delete_tModel>`, 'delete_tModel');
    expect(tm.status).to.equal(200);
    const detail = await uddiPost(inquiry, `<get_tModelDetail ${NS}><tModelKey>${tModelKey}</tModelKey></get_tModelDetail>`);
    validateUddi(bodyElement(detail.body));
    expect(attrOf(detail.body, 'tModel', 'deleted')).to.equal('true');
    const discard = await uddiPost(security, `<discard_authToken ${NS}><authInfo>${token}</authInfo></discard_authToken>`, 'discard_authToken');
    expect(discard.status).to.equal(200);
    expect(discard.body).to.match(/<soap:Body><\/soap:Body>/);
  });

  it('serves its own WSDL per API set at ?wsdl, addressed to the endpoint asked', async () => {
    for (const [url, api] of [[inquiry, 'Inquiry'], [publication, 'Publication'], [security, 'Security']] as const) {
      const res = await fetch(`${url}?wsdl`);
      const wsdl = await res.text();
      expect(res.status).to.equal(200);
      expect(wsdl).to.include(`<portType name="UDDI_${api}_PortType">`);
      expect(wsdl).to.include(`location="${url}"`);
      expect(wsdl).to.include('xmlns:uddi="urn:uddi-org:api_v3"');
    }
  });

  it('a business saved in-process reads back schema-valid over SOAP', async () => {
    token = await t.registry.getAuthToken('dept-a', 'dept-a-secret');
    const [b] = await t.registry.saveBusiness(token, [business('Mapping check', { categoryBag: bag(ref(CAPABILITY, 'x')), businessServices: [service('s', { bindingTemplates: [binding('http://m/1', [])] })] })]);
    const [tm] = await t.registry.saveTModel(token, [tModel('m')]);
    const res = await uddiPost(inquiry, `<get_businessDetail ${NS}><businessKey>${b.businessKey}</businessKey></get_businessDetail>`);
    validateUddi(bodyElement(res.body));
    expect(tm.tModelKey).to.match(/^uddi:/);
  });
});
