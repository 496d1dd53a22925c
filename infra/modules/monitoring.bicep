metadata name = 'Monitoring'
metadata description = 'Log Analytics workspace and a workspace-based Application Insights component that accepts Entra ID-authenticated telemetry only.'

@description('Required. Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Required. Name of the Application Insights component.')
param applicationInsightsName string

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@description('Optional. Tags of the resources.')
param tags resourceTags = {}

@description('Optional. Days the workspace keeps data; 30 days are included in the ingestion price.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

@description('Optional. Daily ingestion cap in GB, -1 for none. A cap bounds the bill of a runaway log loop but drops telemetry once reached.')
param dailyQuotaGb int = -1

@description('Optional. Resource ID of an action group to notify when business flows stall; empty: the alert shows in Azure Monitor only.')
param stalledFlowsActionGroupId string = ''

type resourceTags = { *: string }

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    workspaceCapping: {
      dailyQuotaGb: dailyQuotaGb
    }
    features: {
      disableLocalAuth: true
    }
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    // Instrumentation-key ingestion is refused: apps send telemetry with their managed identity
    // (Monitoring Metrics Publisher, assigned in rbac.bicep), which also makes the connection string a non-secret.
    DisableLocalAuth: true
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

// The journal counts each flow that passes its deadline without an outcome event, once, in this metric (exported by
// the Azure Monitor OpenTelemetry distro as customMetrics): a stalled flow raises its hand here.
resource stalledFlowsAlert 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = {
  name: 'alert-stalled-flows-${applicationInsightsName}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Stalled business flows'
    description: 'A flow passed its deadline without an outcome event: open https://<journal app>/api/dashboard in a browser (it signs you in; needs the Flows.Read app role) to see what it waits for.'
    severity: 2
    enabled: true
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    scopes: [
      applicationInsights.id
    ]
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "choreography.flows.stalled" | summarize stalled = sum(valueSum)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'stalled'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: empty(stalledFlowsActionGroupId) ? {} : { actionGroups: [stalledFlowsActionGroupId] }
  }
}

@description('The name of the Application Insights component.')
output name string = applicationInsights.name

@description('The resource ID of the Application Insights component.')
output resourceId string = applicationInsights.id

@description('The resource ID of the Log Analytics workspace.')
output logAnalyticsResourceId string = workspace.id
