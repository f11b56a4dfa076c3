// The JavaScript of seeds/002 (amazon-connect/customer-profiles-snippets,
// unified-customer-profile), with aws-sdk v2, against a live Hotline.
// The calls are the seed's, verbatim; only the client's endpoint and the
// domain creation the seed assumes were added. Prints the search result
// as the SDK hands it to the program.
//
// Usage: node seed002.js ENDPOINT
const AWS = require('aws-sdk');

const client = new AWS.CustomerProfiles({
  endpoint: process.argv[2],
  region: 'us-east-1',
  accessKeyId: 'test',
  secretAccessKey: 'test',
  maxRetries: 0,
});

const domainName = 'my-domain-name';

async function registerObjectTypes() {
  await client.putProfileObjectType({
    "DomainName": domainName,
    "ObjectTypeName": "TrialSubscription",
    "Description": "Trial Subscription Signups",
    "AllowProfileCreation": true,
    "ExpirationDays": 100,
    "Fields": {
      "UserId" : {
        "ContentType": "STRING",
        "Source": "_source.UserId",
        "Target": "_profile.AccountNumber"
      },
      "startdate" : {
        "Source": "_source.startDate",
        "Target": "_profile.Attributes.TrialStartDate"
      },
      "enddate" : {
        "Source": "_source.endDate",
        "Target": "_profile.Attributes.TrialEndDate"
      },
      "trialdays" : {
        "Source": "_source.trialDays",
        "Target": "_profile.Attributes.TrialDays"
      },
      "plantype" : {
        "Source": "_source.planType",
        "Target": "_profile.Attributes.TrialPlanType"
      },
      "status" : {
        "Source": "_source.status",
        "Target": "_profile.Attributes.TrialStatus"
      }
    },
    "Keys": {
      "_account" : [
        {
          "FieldNames": ["UserId"],
          "StandardIdentifiers" : [ "PROFILE", "UNIQUE"]
        }
      ]
    }
  }).promise();

  await client.putProfileObjectType({
    "DomainName": domainName,
    "ObjectTypeName": "PurchasedSubscription",
    "Description": "Subscription Information",
    "AllowProfileCreation": true,
    "ExpirationDays": 400,
    "Fields": {
      "UserId" : {
        "ContentType": "STRING",
        "Source": "_source.UserId",
        "Target": "_profile.AccountNumber"
      },
      "startdate" : {
        "Source": "_source.startDate",
        "Target": "_profile.Attributes.SubscriptionStartDate"
      },
      "enddate" : {
        "Source": "_source.endDate",
        "Target": "_profile.Attributes.SubscriptionEndDate"
      },
      "plantype" : {
        "Source": "_source.planType",
        "Target": "_profile.Attributes.SubscriptionPlanType"
      },
      "discount" : {
        "Source": "_source.discount",
        "Target": "_profile.Attributes.SubscriptionDiscount"
      },
      "price" : {
        "Source": "_source.price",
        "Target": "_profile.Attributes.SubscriptionPrice"
      },
      "status" : {
        "Source": "_source.status",
        "Target": "_profile.Attributes.SubscriptionStatus"
      },
      "autorenew" : {
        "Source": "_source.autoRenew",
        "Target": "_profile.Attributes.SubscriptionAutoRenew"
      }
    },
    "Keys": {
      "_account" : [
        {
          "FieldNames": ["UserId"],
          "StandardIdentifiers" : [ "PROFILE", "UNIQUE" ]
        }
      ]
    }
  }).promise();

  await client.putProfileObjectType({
    "DomainName": domainName,
    "ObjectTypeName": "MarketingAssignedOffers",
    "Description": "Marketing Managed Offers",
    "AllowProfileCreation": true,
    "ExpirationDays": 1000,
    "Fields": {
      "UserId" : {
        "ContentType": "STRING",
        "Source": "_source.UserId",
        "Target": "_profile.AccountNumber"
      },
      "email" : {
        "ContentType": "EMAIL_ADDRESS",
        "Source": "_source.email",
        "Target": "_profile.EmailAddress"
      },
      "phone" : {
        "ContentType": "PHONE_NUMBER",
        "Source": "_source.phone",
        "Target": "_profile.PhoneNumber"
      },
      "offer" : {
        "ContentType": "STRING",
        "Source": "_source.offerName",
        "Target": "_profile.Attributes.offerName"
      },
      "offerView" : {
        "ContentType": "STRING",
        "Source": "_source.offerViewed",
        "Target": "_profile.Attributes.offerViewed"
      }
    },
    "Keys": {
      "_account" : [
        {
          "FieldNames": ["UserId"],
          "StandardIdentifiers" : [ "PROFILE", "UNIQUE" ]
        }
      ],
      "_email": [
        {
          "FieldNames": [ "email" ]
        }
      ],
      "_phone": [
        {
          "FieldNames": [ "phone" ]
        }
      ]
    }
  }).promise();
}

function submitTrial() {
  const trialObject = {
    id: 'trial-id-1',
    UserId: '00001',
    startDate: '2020-01-19',
    endDate: '2020-03-19',
    trialDays: '90',
    planType: 'Standard',
    status: 'Expired'
  };

  return client.putProfileObject({
    "DomainName": domainName,
    "ObjectTypeName": "TrialSubscription",
    "Object": JSON.stringify(trialObject)
  }).promise();
}

function submitPurchase() {
  const purchaseObject = {
    UserId: '00001',
    startDate: '2019-03-20',
    endDate: '2020-03-20',
    planType: 'Professional',
    discount: 'None',
    price: '$99.99',
    status: 'Active',
    autoRenew: 'False'
  };

  return client.putProfileObject({
    "DomainName": domainName,
    "ObjectTypeName": "PurchasedSubscription",
    "Object": JSON.stringify(purchaseObject)
  }).promise();
}

function submitOffer() {
  const marketerAssignedObject = {
    UserId: '00001',
    email: 'test@test.com',
    offerName: '30% Renewal',
    offerViewed: 'false'
  };

  return client.putProfileObject({
    "DomainName": domainName,
    "ObjectTypeName": "MarketingAssignedOffers",
    "Object": JSON.stringify(marketerAssignedObject)
  }).promise();
}

function searchProfile() {
  return client.searchProfiles({
    "DomainName": domainName,
    "KeyName": "_account",
    "Values": ['00001']
  }).promise();
}

async function main() {
  await client.createDomain({ DomainName: domainName, DefaultExpirationDays: 365 }).promise();
  await registerObjectTypes();
  await submitTrial();
  await submitPurchase();
  await submitOffer();
  const result = await searchProfile();
  process.stdout.write(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
