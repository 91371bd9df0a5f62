"""Finds self-registered Interflow departments with a UDDI client that zeep generates from the
official, unmodified uddi_api_v3_binding.wsdl: what another product's integrator would do.

Usage: zeep_find_department.py WSDL BASE_URL DOMAIN DEPARTMENT CAPABILITY

Prints one JSON object; test/binding/zeep-interop.test.ts asserts on it.
"""
import json
import sys

import zeep
from zeep import Settings

BINDING = '{urn:uddi-org:api_v3_binding}'


def refs(bag):
    return [{'tModelKey': r.tModelKey, 'keyName': r.keyName, 'keyValue': r.keyValue} for r in ((bag.keyedReference or []) if bag is not None else [])]


def main():
    wsdl, base, domain, department, capability = sys.argv[1:6]
    category = lambda name: 'uddi:%s:interflow:%s' % (domain, name)
    client = zeep.Client(wsdl, settings=Settings(strict=False, forbid_entities=False))
    inquiry = client.create_service(BINDING + 'UDDI_Inquiry_SoapBinding', base + '/uddi/inquiry')
    out = {}

    found = inquiry.find_business(categoryBag={'keyedReference': [{'tModelKey': category('department'), 'keyValue': department}]})
    infos = found.businessInfos.businessInfo if found.businessInfos else []
    out['find_business'] = [b.businessKey for b in infos]

    business = inquiry.get_businessDetail(businessKey=[infos[0].businessKey]).businessEntity[0]
    services = []
    for s in business.businessServices.businessService:
        services.append({
            'serviceKey': s.serviceKey,
            'categories': refs(s.categoryBag),
            'bindings': [{
                'bindingKey': b.bindingKey,
                'accessPoint': b.accessPoint['_value_1'],
                'useType': b.accessPoint['useType'],
                'tModelKeys': [i.tModelKey for i in b.tModelInstanceDetails.tModelInstanceInfo],
                'lease': [r['keyValue'] for r in refs(b.categoryBag) if r['tModelKey'] == category('lease-until')],
            } for b in (s.bindingTemplates.bindingTemplate if s.bindingTemplates else [])],
        })
    groups = business.categoryBag.keyedReferenceGroup or []
    out['business'] = {
        'names': [n['_value_1'] for n in business.name],
        'department': [r['keyValue'] for r in refs(business.categoryBag) if r['tModelKey'] == category('department')],
        'certificate': [{'keyName': r.keyName, 'length': len(r.keyValue)} for g in groups if g.tModelKey == category('certificate') for r in g.keyedReference],
        'services': services,
    }

    performers = inquiry.find_service(categoryBag={'keyedReference': [{'tModelKey': category('capability'), 'keyValue': capability}]})
    out['find_service'] = [s.serviceKey for s in (performers.serviceInfos.serviceInfo if performers.serviceInfos else [])]

    binding_key = services[0]['bindings'][0]['bindingKey']
    detail = inquiry.get_bindingDetail(bindingKey=[binding_key]).bindingTemplate[0]
    out['get_bindingDetail'] = detail.accessPoint['_value_1']

    port_types = inquiry.find_tModel(categoryBag={'keyedReference': [{'tModelKey': 'uddi:uddi.org:wsdl:types', 'keyValue': 'portType'}]})
    keys = [t.tModelKey for t in (port_types.tModelInfos.tModelInfo if port_types.tModelInfos else [])]
    out['port_types'] = keys
    if keys:
        tmodel = inquiry.get_tModelDetail(tModelKey=[keys[0]]).tModel[0]
        out['overviewURL'] = tmodel.overviewDoc[0].overviewURL['_value_1']

    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
