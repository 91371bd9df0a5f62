"""ProcessService interop: Python zeep, client generated from ?wsdl, WS-Security UsernameToken
(PasswordDigest). Drives one building-permit case to its end. Prints one JSON line."""
import json
import sys

import zeep
from zeep.wsse.username import UsernameToken

endpoint, user, password, xpdl_file = sys.argv[1:5]
client = zeep.Client(endpoint + '?wsdl', wsse=UsernameToken(user, password, use_digest=True))
svc = client.service
steps = []

with open(xpdl_file, encoding='utf-8') as f:
    deployed = svc.DeployDefinition(Xpdl=f.read())
definitions = [d.ProcessDefinitionId for d in svc.ListProcessDefinitions() or []]

started = svc.StartProcess(ProcessDefinitionId='building_permit', Subject='zeep permit',
                           Data={'Item': [{'Name': 'caseRef', 'Value': 'ZEEP-7'}, {'Name': 'notifyEmail', 'Value': 'true'}]})
case = started.ProcessInstanceId
decisions = {'environment_review': ('envOk', 'true'), 'fire_review': ('fireOk', 'true')}
state = started.State
for _ in range(20):
    items = [w for w in (svc.GetWorklist(Participant=[]) or []) if w.ProcessInstanceId == case]
    if not items:
        break
    item = items[0]
    data = [{'Name': decisions[item.ActivityId][0], 'Value': decisions[item.ActivityId][1]}] if item.ActivityId in decisions else []
    result = svc.CompleteWorkItem(WorkItemId=item.WorkItemId, Data={'Item': data})
    # zeep hands back a response with a single child as that child's value
    state = result if isinstance(result, str) else result.State
    steps.append(item.ActivityId)

final = svc.GetProcessInstance(ProcessInstanceId=case)
fault = None
try:
    svc.ChangeProcessInstanceState(ProcessInstanceId=case, Action='suspend')
except zeep.exceptions.Fault as f:
    fault = f.message

print(json.dumps({
    'deployed': [d.ProcessDefinitionId for d in deployed.Deployed],
    'definitions': definitions,
    'case': case,
    'startState': started.State,
    'steps': steps,
    'lastState': state,
    'finalState': final.State,
    'data': {i.Name: i.Value for i in (final.Data.Item if final.Data else [])},
    'historyEvents': len(final.History.Event) if final.History else 0,
    'fault': fault,
}))
