<?php
// ProcessService interop: PHP SoapClient in WSDL mode, WS-Security UsernameToken (PasswordDigest)
// built by hand. Drives a business licence using only what the WSDL and the work items say: each
// item's form names the fields to send and which are required; a start is retried with its
// ClientKey. Prints one JSON line.
[$self, $endpoint, $user, $password, $clientKey] = $argv;

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
    $client->__setSoapHeaders([wsse($user, $password)]);
    return $client->__soapCall($op, [$args]);
};
function valueFor($f): string {
    if (!empty($f->AllowedValue)) return $f->AllowedValue[0];
    switch ($f->Type) {
        case 'BOOLEAN': return 'true';
        case 'INTEGER': case 'FLOAT': return '1';
        case 'DATETIME': return gmdate('Y-m-d\TH:i:s\Z');
        default: return ($f->Label ?? $f->Name) . ' from PHP';
    }
}

$start = ['ProcessDefinitionId' => 'business_licence', 'Subject' => 'php licence',
    'Data' => ['Item' => [['Name' => 'applicantId', 'Value' => 'PHP-L1']]], 'ClientKey' => $clientKey];
$first = $call('StartProcess', $start);
$retry = $call('StartProcess', $start);
$case = $first->ProcessInstanceId;
$steps = []; $sent = []; $requiredFaults = [];
$state = $first->State;
for ($i = 0; $i < 20; $i++) {
    $list = $call('GetWorklist', ['ProcessInstanceId' => $case]);
    if (empty($list->WorkItem)) break;
    $item = $call('GetWorkItem', ['WorkItemId' => $list->WorkItem[0]->WorkItemId])->WorkItem;
    $required = array_values(array_filter($item->Form->Update ?? [], fn($f) => $f->Required));
    if ($required) {
        try {
            $call('CompleteWorkItem', ['WorkItemId' => $item->WorkItemId, 'Data' => ['Item' => []]]);
        } catch (SoapFault $f) {
            $requiredFaults[] = $f->getMessage();
        }
    }
    $data = array_map(fn($f) => ['Name' => $f->Name, 'Value' => valueFor($f)], $required);
    foreach ($required as $f) $sent[] = $f->Name;
    $state = $call('CompleteWorkItem', ['WorkItemId' => $item->WorkItemId, 'Data' => ['Item' => $data]])->State;
    $steps[] = $item->ActivityId;
}
$notFound = null;
try {
    $call('GetWorkItem', ['WorkItemId' => 'no-such-item']);
} catch (SoapFault $f) {
    $notFound = $f->detail->WorkItemNotFound->WorkItemId ?? $f->getMessage();
}
$byKey = $call('ListProcessInstances', ['ClientKey' => $clientKey]);
echo json_encode(['case' => $case, 'created' => $first->Created, 'retryCase' => $retry->ProcessInstanceId, 'retryCreated' => $retry->Created,
    'steps' => $steps, 'sent' => $sent, 'requiredFaults' => $requiredFaults, 'lastState' => $state, 'notFound' => $notFound,
    'byKeyTotal' => $byKey->Total, 'finalState' => $byKey->Instance[0]->State ?? null]), "\n";
