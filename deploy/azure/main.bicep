// freeride on Azure Container Apps: one container app per worker role, joined by Azure Cache for
// Redis (the Redis Streams bus) and storing into Azure Database for PostgreSQL (flexible server).
// Every secret lives in Key Vault and reaches the apps as a Key Vault reference read through one
// user-assigned managed identity; no secret is a plain parameter or an app setting in clear.
// Logs go to Log Analytics, traces to Application Insights.
//
//   az group create -n freeride -l westeurope
//   az deployment group create -g freeride -f deploy/azure/main.bicep \
//       -p image=myregistry.azurecr.io/freeride:0.1.0 postgresAdminPassword=<a strong password>
//
// See docs/scaling.md ("Deployment files").

targetScope = 'resourceGroup'

@description('Azure region of every resource.')
param location string = resourceGroup().location

@description('Prefix of every resource name (letters and digits, 3 to 12).')
@minLength(3)
@maxLength(12)
param prefix string = 'freeride'

@description('The freeride image (deploy/Dockerfile), e.g. myregistry.azurecr.io/freeride:0.1.0.')
param image string

@description('Registry server of the image when it needs credentials (pulled with the managed identity, which needs AcrPull there); empty for a public image.')
param registryServer string = ''

@description('Administrator login of the PostgreSQL server (not a secret).')
param postgresAdminLogin string = 'freeride'

@description('Administrator password of the PostgreSQL server; stored in Key Vault only.')
@secure()
param postgresAdminPassword string

@description('Object id of a user or group allowed to manage the Key Vault secrets (broker keys, webhook URLs); empty for none.')
param secretsOfficerObjectId string = ''

@description('Discord application id for the bot role (the Developer Portal\'s General Information); empty: no bot runs.')
param discordApplicationId string = ''

@description('Discord application public key (hex) that signs its interactions; public, not a secret.')
param discordPublicKey string = ''

var roles = [
  'gateway'
  'alerts'
  'strategies'
  'execution'
  'recorder'
  'notifier'
  'research'
  'bot'
  'api'
]
// One replica per role except where more cannot change the outcome: the api (stateless behind
// the bus) and the recorder (idempotent writes, entries split over its consumer group). One
// execution worker per broker account (a lease in PostgreSQL fences any second one); a single
// gateway and research worker poll their providers once; alerts and strategies scale by shard
// (`--shard i/n`, one app per shard), not by replicas of one app, which would split a
// symbol's events between consumers. One bot: a two-step confirmation (kill, flatten) is held in
// the memory of the replica that asked, and Discord may send the click to any replica.
var maxReplicas = {
  gateway: 1
  alerts: 1
  strategies: 1
  execution: 1
  recorder: 2
  notifier: 1
  research: 1
  bot: 1
  api: 4
}
var suffix = uniqueString(resourceGroup().id)
var databaseName = 'freeride'
// Key Vault Secrets User: read secret values, nothing else
var secretsUserRole = '4633458b-17de-408a-b874-0445c86b69e6'
// Key Vault Secrets Officer: manage secrets (for the operator, not the apps)
var secretsOfficerRole = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${prefix}-logs-${suffix}'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${prefix}-insights-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: false
  }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-identity'
  location: location
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: '${prefix}-kv-${take(suffix, 8)}'
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource vaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, secretsUserRole)
  scope: vault
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsUserRole)
  }
}

resource vaultOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(secretsOfficerObjectId)) {
  name: guid(vault.id, secretsOfficerObjectId, secretsOfficerRole)
  scope: vault
  properties: {
    principalId: secretsOfficerObjectId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', secretsOfficerRole)
  }
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = {
  name: '${prefix}-pg-${suffix}'
  location: location
  sku: {
    name: 'Standard_B1ms'
    tier: 'Burstable'
  }
  properties: {
    version: '16'
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: {
      storageSizeGB: 32
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2022-12-01' = {
  parent: postgres
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// 0.0.0.0 to 0.0.0.0 is Azure's "allow Azure services": the Container Apps' outbound addresses
resource postgresFromAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2022-12-01' = {
  parent: postgres
  name: 'allow-azure-services'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

resource redis 'Microsoft.Cache/redis@2023-08-01' = {
  name: '${prefix}-redis-${suffix}'
  location: location
  properties: {
    sku: {
      name: 'Standard'
      family: 'C'
      capacity: 1
    }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    redisConfiguration: {
      'maxmemory-policy': 'noeviction'
    }
  }
}

resource databaseUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'database-url'
  properties: {
    value: 'postgresql+asyncpg://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}?ssl=require'
  }
}

resource redisUrl 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'redis-url'
  properties: {
    value: 'rediss://:${uriComponent(redis.listKeys().primaryKey)}@${redis.properties.hostName}:${redis.properties.sslPort}/0'
  }
}

resource insightsConnection 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'appinsights-connection-string'
  properties: {
    value: insights.properties.ConnectionString
  }
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: '${prefix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

resource apps 'Microsoft.App/containerApps@2024-03-01' = [for role in roles: {
  name: '${prefix}-${role}'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      // the api for browsers and webhooks; the bot for Discord's interactions (its endpoint URL)
      ingress: (role == 'api' || role == 'bot') ? {
        external: true
        targetPort: 8000
        transport: 'auto'
        allowInsecure: false
      } : null
      registries: empty(registryServer) ? [] : [
        {
          server: registryServer
          identity: identity.id
        }
      ]
      secrets: [
        {
          name: 'database-url'
          keyVaultUrl: databaseUrl.properties.secretUri
          identity: identity.id
        }
        {
          name: 'redis-url'
          keyVaultUrl: redisUrl.properties.secretUri
          identity: identity.id
        }
        {
          name: 'appinsights-connection-string'
          keyVaultUrl: insightsConnection.properties.secretUri
          identity: identity.id
        }
      ]
    }
    template: {
      // SIGTERM, then this long to drain before the container is killed
      terminationGracePeriodSeconds: 90
      containers: [
        {
          name: role
          image: image
          // --health-port: /healthz, /readyz and /metrics of a worker (the api serves them itself)
          args: [
            'worker'
            '--role'
            role
            '--health-port'
            '8000'
          ]
          resources: {
            cpu: json('0.5')
            memory: '1Gi'
          }
          env: [
            {
              name: 'FREERIDE_DATABASE_URL'
              secretRef: 'database-url'
            }
            {
              name: 'FREERIDE_REDIS_URL'
              secretRef: 'redis-url'
            }
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              secretRef: 'appinsights-connection-string'
            }
            {
              name: 'FREERIDE_BUS__BACKEND'
              value: 'redis'
            }
            {
              name: 'FREERIDE_LOG__FORMAT'
              value: 'json'
            }
            {
              // broker keys and webhook URLs: freeride's own secret chain reads them from the vault
              name: 'FREERIDE_SECRETS__ORDER'
              value: 'env,azure_keyvault'
            }
            {
              name: 'FREERIDE_SECRETS__AZURE_VAULT_URL'
              value: vault.properties.vaultUri
            }
            {
              name: 'FREERIDE_DISCORD__APPLICATION_ID'
              value: discordApplicationId
            }
            {
              name: 'FREERIDE_DISCORD__PUBLIC_KEY'
              value: discordPublicKey
            }
            {
              // DefaultAzureCredential picks the user-assigned identity by its client id
              name: 'AZURE_CLIENT_ID'
              value: identity.properties.clientId
            }
          ]
          probes: [
            {
              type: 'Liveness'
              httpGet: {
                path: '/healthz'
                port: 8000
              }
              periodSeconds: 30
              timeoutSeconds: 5
              failureThreshold: 3
            }
          ]
        }
      ]
      scale: {
        // without a Discord application the bot app is kept at zero replicas (it would refuse to start)
        minReplicas: (role == 'bot' && empty(discordApplicationId)) ? 0 : 1
        maxReplicas: maxReplicas[role]
      }
    }
  }
  dependsOn: [
    vaultReader
    database
    postgresFromAzure
  ]
}]

output apiUrl string = 'https://${apps[8].properties.configuration.ingress.fqdn}'
@description('Discord\'s Interactions Endpoint URL is this followed by /discord/interactions.')
output botUrl string = 'https://${apps[7].properties.configuration.ingress.fqdn}'
output vaultUri string = vault.properties.vaultUri
output identityClientId string = identity.properties.clientId
