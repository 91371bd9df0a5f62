<?php
// ProcessService interop: PHP SoapClient in WSDL mode, WS-Security UsernameToken (PasswordDigest)
// built by hand as PHP has no WSSE support. Drives one building-permit case. Prints one JSON line.
[$self, $endpoint, $user, $password] = $argv;

function wsse(string $user, string $password): SoapHeader {
    $nonce = random_bytes(16);
    $created = gmdate('Y-m-d\TH:i:s\Z');
    $digest = base64_encode(sha1($nonce . $created . $password, true));
    $xml = '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">'
        . '<wsse:UsernameToken><wsse:Username>' . htmlspecialchars($user) . '</wsse:Username>'
        . '<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">' . $digest . '</wsse:Password>'
        . '<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">' . base64_encode($nonce) . '</wsse:Nonce>'
        . '<wsu:Created>' . $created . '</wsu:Created></wsse:UsernameToken></wsse:Security>';
    return new SoapHeader('http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd', 'Security', new SoapVar($xml, XSD_ANYXML), true);
}

$client = new SoapClient($endpoint . '?wsdl', ['cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true, 'features' => SOAP_SINGLE_ELEMENT_ARRAYS]);
$call = function (string $op, array $args) use ($client, $user, $password) {
    $client->__setSoapHeaders([wsse($user, $password)]);  // a fresh nonce per call: the server refuses replays
    return $client->__soapCall($op, [$args]);
};

$started = $call('StartProcess', ['ProcessDefinitionId' => 'building_permit', 'Subject' => 'php permit',
    'Data' => ['Item' => [['Name' => 'caseRef', 'Value' => 'PHP-7'], ['Name' => 'notifySms', 'Value' => 'true']]]]);
$case = $started->ProcessInstanceId;
$decisions = ['environment_review' => ['envOk', 'true'], 'fire_review' => ['fireOk', 'true']];
$steps = [];
$state = $started->State;
for ($i = 0; $i < 20; $i++) {
    $list = $call('GetWorklist', []);
    $items = array_values(array_filter($list->WorkItem ?? [], fn($w) => $w->ProcessInstanceId === $case));
    if (!$items) break;
    $item = $items[0];
    $data = isset($decisions[$item->ActivityId]) ? [['Name' => $decisions[$item->ActivityId][0], 'Value' => $decisions[$item->ActivityId][1]]] : [];
    $state = $call('CompleteWorkItem', ['WorkItemId' => $item->WorkItemId, 'Data' => ['Item' => $data]])->State;
    $steps[] = $item->ActivityId;
}
$final = $call('GetProcessInstance', ['ProcessInstanceId' => $case]);
$data = [];
foreach ($final->Data->Item ?? [] as $it) $data[$it->Name] = $it->Value;
$fault = null;
try {
    $call('GetProcessInstance', ['ProcessInstanceId' => 'no-such-case']);
} catch (SoapFault $f) {
    $fault = ['code' => $f->faultcode, 'message' => $f->getMessage()];
}
echo json_encode(['case' => $case, 'startState' => $started->State, 'steps' => $steps, 'lastState' => $state,
    'finalState' => $final->State, 'data' => $data, 'fault' => $fault]), "\n";
