metadata name = 'Communication Services role'
metadata description = 'Lets the email-sending apps send through an existing Azure Communication Services resource with their managed identity.'

@description('Required. Name of the Communication Services resource, in the resource group this module is deployed to.')
param communicationServiceName string

@description('Required. Every app: service name and principal ID of its system-assigned identity.')
param apps sender[]

@description('Required. The services whose apps send email; only they get the role.')
param senderServices string[]

type sender = {
  @description('Required. Service name.')
  service: string

  @description('Required. Principal ID of the app\'s system-assigned identity.')
  principalId: string
}

// Communication and Email Service Owner: the built-in role the Communication Services docs name for sending email with
// Entra ID (no narrower built-in role exists); scoped to this one resource.
var communicationAndEmailServiceOwner = '09976791-48a7-449e-bb21-39d1a415f350'

var senders = filter(apps, app => contains(senderServices, app.service))

resource communication 'Microsoft.Communication/communicationServices@2025-09-01' existing = {
  name: communicationServiceName
}

resource sendEmail 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for s in senders: {
    name: guid(communication.id, s.principalId, communicationAndEmailServiceOwner)
    scope: communication
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', communicationAndEmailServiceOwner)
      principalId: s.principalId
      principalType: 'ServicePrincipal'
      description: '${s.service} sends email through Communication Services'
    }
  }
]

@description('The resource ID of the Communication Services resource.')
output resourceId string = communication.id
