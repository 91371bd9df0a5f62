import { expect } from 'chai';
import { openTestRegistry, startRegistryServer, uddiPost, UDDI_NS, type RegistryServer, type TestRegistry } from './support';

const NS = `xmlns="${UDDI_NS}"`;

/** Issue 10: a find is bounded by the UDDI schema's lengths and a cap on its options. */
describe('issue 10: UDDI inquiry limits', () => {
  let t: TestRegistry;
  let server: RegistryServer;
  let inquiry: string;
  before(async () => {
    t = await openTestRegistry();
    server = await startRegistryServer(t.registry);
    inquiry = `${server.url}/uddi/inquiry`;
  });
  after(async () => {
    await server.close();
    await t.close();
  });

  it('finding: a 500-name find_business answers E_tooManyOptions naming the field, not an internal error', async () => {
    const names = Array.from({ length: 500 }, (_, i) => `<name>business ${i}</name>`).join('');
    const res = await uddiPost(inquiry, `<find_business ${NS}>${names}</find_business>`);
    expect(res.body).to.match(/errCode="E_tooManyOptions"/);
    expect(res.body).to.match(/find_business\/name: 500 given; a find takes at most 50/);
    expect(res.body).not.to.match(/E_fatalError|internal error/);
  });

  it('a name over the schema\'s 255 characters is E_invalidValue naming the field', async () => {
    const res = await uddiPost(inquiry, `<find_business ${NS}><name>${'n'.repeat(300)}</name></find_business>`);
    expect(res.body).to.match(/errCode="E_invalidValue"/);
    expect(res.body).to.match(/find_business\/name: is 300 characters long; at most 255 are allowed/);
    const svc = await uddiPost(inquiry, `<find_service ${NS}><categoryBag>${'<keyedReference tModelKey="uddi:x" keyValue="v"/>'.repeat(60)}</categoryBag></find_service>`);
    expect(svc.body).to.match(/E_tooManyOptions/).and.to.match(/find_service\/categoryBag\/keyedReference: 60 given/);
  });

  it('still answers an ordinary find', async () => {
    const res = await uddiPost(inquiry, `<find_business ${NS}><name>anything</name></find_business>`);
    expect(res.status).to.equal(200);
  });
});
