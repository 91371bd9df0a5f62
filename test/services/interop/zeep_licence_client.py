"""ProcessService interop: Python zeep, client generated from ?wsdl, WS-Security UsernameToken
(PasswordDigest). Drives a business licence using only what the WSDL and the work items say: each
item's form names the fields to send, which are required and which values they take; a start is
retried with its ClientKey. Prints one JSON line."""
import datetime
import json
import sys

import zeep
from zeep.wsse.username import UsernameToken

endpoint, user, password, client_key = sys.argv[1:5]
client = zeep.Client(endpoint + '?wsdl', wsse=UsernameToken(user, password, use_digest=True))
svc = client.service


def value_for(field):
    if field.AllowedValue:
        return field.AllowedValue[0]
    if field.Type == 'BOOLEAN':
        return 'true'
    if field.Type in ('INTEGER', 'FLOAT'):
        return '1'
    if field.Type == 'DATETIME':
        return datetime.datetime.now(datetime.timezone.utc).isoformat()
    return (field.Label or field.Name) + ' from zeep'


start = dict(ProcessDefinitionId='business_licence', Subject='zeep licence',
             Data={'Item': [{'Name': 'applicantId', 'Value': 'ZEEP-L1'}]}, ClientKey=client_key)
first = svc.StartProcess(**start)
retry = svc.StartProcess(**start)  # the reply was "lost": the same start again, same key
case = first.ProcessInstanceId

steps, sent, required_faults = [], [], []
state = first.State
for _ in range(20):
    items = svc.GetWorklist(ProcessInstanceId=case) or []
    if not items:
        break
    item = svc.GetWorkItem(WorkItemId=items[0].WorkItemId)
    required = [f for f in (item.Form.Update or []) if f.Required]
    if required:
        try:
            svc.CompleteWorkItem(WorkItemId=item.WorkItemId, Data={'Item': []})
        except zeep.exceptions.Fault as f:
            required_faults.append(f.message)
    data = [{'Name': f.Name, 'Value': value_for(f)} for f in required]
    sent += [f.Name for f in required]
    result = svc.CompleteWorkItem(WorkItemId=item.WorkItemId, Data={'Item': data})
    state = result if isinstance(result, str) else result.State
    steps.append(item.ActivityId)

not_found = None
try:
    svc.GetWorkItem(WorkItemId='no-such-item')
except zeep.exceptions.Fault as f:
    detail = f.detail.find('{urn:interflow:process-service:1}WorkItemNotFound') if f.detail is not None else None
    not_found = detail.findtext('{urn:interflow:process-service:1}WorkItemId') if detail is not None else f.message
by_key = svc.ListProcessInstances(ClientKey=client_key)

print(json.dumps({
    'case': case, 'created': first.Created, 'retryCase': retry.ProcessInstanceId, 'retryCreated': retry.Created,
    'steps': steps, 'sent': sent, 'requiredFaults': required_faults, 'lastState': state,
    'notFound': not_found, 'byKeyTotal': by_key.Total,
    'finalState': by_key.Instance[0].State if by_key.Instance else None,
}))
