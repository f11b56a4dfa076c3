package profiles

import "github.com/hotline-dev/hotline/internal/profiles/api"

// templates are the predefined object types Hotline ships: the three
// Amazon Connect contact-record templates. Each reads a contact record
// (the CTR JSON Amazon Connect exports) and differs only in how it finds
// or creates the caller's profile:
//
//   - CTR: match by _ctrContactId only (a key an agent or flow added with
//     AddProfileKey); otherwise create an inferred profile.
//   - CTR-NoInferred: match by _ctrContactId, then by the caller's _phone
//     (SECONDARY); otherwise create an inferred profile.
//   - CTR-AutoAssociateOnly: as CTR-NoInferred, but never create a profile.
var templates = map[string]*api.GetProfileObjectTypeTemplateResponse{
	"CTR":                   contactRecordTemplate("CTR", true, false),
	"CTR-NoInferred":        contactRecordTemplate("CTR-NoInferred", true, true),
	"CTR-AutoAssociateOnly": contactRecordTemplate("CTR-AutoAssociateOnly", false, true),
}

func contactRecordTemplate(id string, createProfiles, matchPhone bool) *api.GetProfileObjectTypeTemplateResponse {
	field := func(source, contentType string) *api.ObjectTypeField {
		return &api.ObjectTypeField{Source: ptr(source), ContentType: ptr(contentType)}
	}
	phoneKey := &api.ObjectTypeKey{FieldNames: []string{"CustomerPhoneNumber"}, StandardIdentifiers: []string{}}
	if matchPhone {
		phoneKey.StandardIdentifiers = []string{idProfile, idSecondary}
	}
	return &api.GetProfileObjectTypeTemplateResponse{
		TemplateId:           ptr(id),
		SourceName:           ptr("Connect"),
		SourceObject:         ptr("ContactRecord"),
		AllowProfileCreation: ptr(createProfiles),
		Fields: map[string]*api.ObjectTypeField{
			"ContactId":           field("_source.ContactId", ctString),
			"InitialContactId":    field("_source.InitialContactId", ctString),
			"Channel":             field("_source.Channel", ctString),
			"InitiationMethod":    field("_source.InitiationMethod", ctString),
			"InstanceARN":         field("_source.InstanceARN", ctString),
			"InitiationTimestamp": field("_source.InitiationTimestamp", ctString),
			"DisconnectTimestamp": field("_source.DisconnectTimestamp", ctString),
			"QueueName":           field("_source.Queue.Name", ctString),
			"AgentUsername":       field("_source.Agent.Username", ctString),
			"CustomerPhoneNumber": field("_source.CustomerEndpoint.Address", ctPhone),
			"SystemPhoneNumber":   field("_source.SystemEndpoint.Address", ctString),
		},
		Keys: map[string][]*api.ObjectTypeKey{
			"_ctrContactId": {{FieldNames: []string{"ContactId"}, StandardIdentifiers: []string{idProfile, idUnique}}},
			keyPhone:        {phoneKey},
		},
	}
}

// implicitType is the object type a template provides to a domain that
// ingests objects under the template's id without defining that type, or
// nil when name is no template.
func implicitType(name string) *objectType {
	t, ok := templates[name]
	if !ok {
		return nil
	}
	return &objectType{
		Name: name, Description: "Implicit object type of template " + name, TemplateID: name,
		AllowProfileCreation: deref(t.AllowProfileCreation), Fields: t.Fields, Keys: t.Keys,
	}
}
