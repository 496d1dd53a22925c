metadata name = 'Flow workbook'
metadata description = 'An Azure Monitor workbook on the Application Insights component: flows by status, stalled flows with what they wait for, and per-edge hops and cause-to-effect time. Its layout is workbooks/flows.workbook.json, its queries workbooks/queries/*.kql.'

@description('Required. Name of the Application Insights component the workbook reads and is listed under (its Workbooks blade).')
param applicationInsightsName string

@description('Optional. Name shown in the workbook gallery.')
param displayName string = 'Business flows'

@description('Optional. Location for all resources.')
param location string = resourceGroup().location

@description('Optional. Tags of the resources.')
param tags resourceTags = {}

type resourceTags = { *: string }

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Queries that read flows start with the prelude's `let` statements (flowStarts, flowOutcomes, flowEvents,
// stalledWarnings, flowStatuses), so each file holds only its own question.
var flowPrelude = loadTextContent('../workbooks/queries/flow-prelude.kql')

// By file name: a query item's `query` in flows.workbook.json names its file here.
var queries = {
  'flows-by-status.kql': '${flowPrelude}${loadTextContent('../workbooks/queries/flows-by-status.kql')}'
  'recent-flows.kql': '${flowPrelude}${loadTextContent('../workbooks/queries/recent-flows.kql')}'
  'stalled-flows.kql': '${flowPrelude}${loadTextContent('../workbooks/queries/stalled-flows.kql')}'
  'stalled-flows-metric.kql': loadTextContent('../workbooks/queries/stalled-flows-metric.kql')
  'edges.kql': loadTextContent('../workbooks/queries/edges.kql')
  'edge-latency.kql': loadTextContent('../workbooks/queries/edge-latency.kql')
  'executions-by-app.kql': loadTextContent('../workbooks/queries/executions-by-app.kql')
  'dependencies-by-app.kql': loadTextContent('../workbooks/queries/dependencies-by-app.kql')
}

var layout = loadJsonContent('../workbooks/flows.workbook.json')

// A workbook item as flows.workbook.json writes it: a query item's `query` names a file of `queries`.
type workbookItem = {
  type: int
  content: {
    query: string?
    items: workbookItem[]?
  }
}

@description('A query item (type 3) with the query text in place of its file name; any other item as it is.')
func withQueryText(item workbookItem, kql { *: string }) workbookItem =>
  item.type == 3 ? union(item, { content: union(item.content, { query: kql[item.content.query!] }) }) : item

// Two levels: the workbook's items, and the items of its groups (type 12).
var workbook = union(layout, {
  items: map(
    layout.items,
    item => item.type == 12
      ? union(item, { content: union(item.content, { items: map(item.content.items!, i => withQueryText(i, queries)) }) })
      : withQueryText(item, queries)
  )
  // Opened from the Azure Monitor gallery instead of the component, the queries still read this component.
  fallbackResourceIds: [applicationInsights.id]
})

resource flowWorkbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A workbook's name must be a GUID: stable per component, so a redeployment updates it in place.
  name: guid(applicationInsights.id, 'flow-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsights.id
    serializedData: string(workbook)
  }
}

@description('The name (a GUID) of the workbook.')
output name string = flowWorkbook.name

@description('The resource ID of the workbook.')
output resourceId string = flowWorkbook.id
