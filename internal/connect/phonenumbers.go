package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/apierr"
	"github.com/hotline-dev/hotline/internal/connect/api"
	"github.com/hotline-dev/hotline/internal/edge"
	"github.com/hotline-dev/hotline/internal/store"
)

// phoneRecord is a claimed phone number. Numbers belong to the account, not
// to an instance: InstanceID says which instance they are claimed to, and
// FlowID which of its flows answers inbound calls ("" for none).
type phoneRecord struct {
	ID          string
	Number      string // E.164
	InstanceID  string
	CountryCode string // ISO 3166-1 alpha-2; "" when the calling code is not in the table
	Type        string // DID, TOLL_FREE or UIFN
	Description string
	FlowID      string
	Tags        map[string]string
	ClientToken string // the claim's token, so that a retried claim gets the same answer
	ClaimedTime time.Time
}

// Phone keys; records.go reserves connect/phone/r/ and connect/phone/n/.
// connect/phone/t/<client token> → id is this file's addition: it lives and
// dies with the number, so tokens cannot pile up.
const (
	phoneRecordPrefix = "connect/phone/r/"
	phoneNumberPrefix = "connect/phone/n/"
	phoneTokenPrefix  = "connect/phone/t/"
)

func phoneKey(id string) string         { return phoneRecordPrefix + id }
func phoneNumberKey(e164 string) string { return phoneNumberPrefix + e164 }
func phoneTokenKey(token string) string { return phoneTokenPrefix + token }

func (s *Service) phoneARN(id string) string {
	return "arn:aws:connect:" + s.cfg.Region + ":" + s.cfg.AccountID + ":phone-number/" + id
}

// e164Pattern is the rule the model's phone pattern means; the model stores it
// without a leading anchor, so the edge alone would accept "x+1555…".
var e164Pattern = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// phonePrefix is ListPhoneNumbersV2's PhoneNumberPrefix, anchored for the
// same reason, with the "+" the API reference says it must carry.
var phonePrefix = regexp.MustCompile(`^\+[0-9]{1,11}$`)

func (s *Service) registerPhoneNumbers(e *edge.Service) {
	edge.Handle(e, "ClaimPhoneNumber", s.claimPhoneNumber)
	edge.Handle(e, "DescribePhoneNumber", s.describePhoneNumber)
	edge.Handle(e, "ListPhoneNumbersV2", s.listPhoneNumbersV2)
	edge.Handle(e, "ListPhoneNumbers", s.listPhoneNumbers)
	edge.Handle(e, "ReleasePhoneNumber", s.releasePhoneNumber)
	edge.Handle(e, "AssociatePhoneNumberContactFlow", s.associatePhoneNumberFlow)
	edge.Handle(e, "DisassociatePhoneNumberContactFlow", s.disassociatePhoneNumberFlow)
}

// targetInstance resolves the InstanceId/TargetArn pair that ClaimPhoneNumber
// and ListPhoneNumbersV2 take. Either may be given; both must then agree.
// ok is false when neither is.
func (s *Service) targetInstance(tx store.Tx, instanceID, targetARN *string) (inst *instanceRecord, ok bool, err error) {
	var refs []string
	for _, r := range []*string{instanceID, targetARN} {
		if r != nil && *r != "" {
			refs = append(refs, *r)
		}
	}
	if len(refs) == 0 {
		return nil, false, nil
	}
	for _, ref := range refs {
		rec, err := s.instance(tx, ref)
		if err != nil {
			return nil, false, err
		}
		if inst != nil && inst.ID != rec.ID {
			return nil, false, invalidParam("InstanceId %s and TargetArn %s name different instances; give one of them", *instanceID, *targetARN)
		}
		inst = rec
	}
	return inst, true, nil
}

func (s *Service) claimPhoneNumber(ctx context.Context, in *api.ClaimPhoneNumberRequest) (*api.ClaimPhoneNumberResponse, error) {
	if !e164Pattern.MatchString(in.PhoneNumber) {
		return nil, invalidParam("PhoneNumber %q is not an E.164 number: a + then the country code and subscriber number, up to 15 digits, e.g. +15555550100", in.PhoneNumber)
	}
	country, typ := numberCountry(in.PhoneNumber), numberType(in.PhoneNumber)
	token := deref(in.ClientToken)
	var rec *phoneRecord
	err := s.update(ctx, func(tx store.RwTx) error {
		inst, ok, err := s.targetInstance(tx, in.InstanceId, in.TargetArn)
		if err != nil {
			return err
		}
		if !ok {
			return invalidParam("give the instance to claim the number to, as InstanceId or TargetArn")
		}
		if token != "" {
			prev, err := s.phoneByToken(tx, token)
			if err != nil {
				return err
			}
			if prev != nil {
				if prev.Number != in.PhoneNumber || prev.InstanceID != inst.ID {
					return apiErr("IdempotencyException", "ClientToken %s was already used to claim %s to instance %s", token, prev.Number, prev.InstanceID)
				}
				rec = prev // a retried claim: the same answer again
				return nil
			}
		}
		// AWS answers a number that is already claimed (by anyone) this way.
		taken, err := store.Exists(tx, phoneNumberKey(in.PhoneNumber))
		if err != nil {
			return err
		}
		if taken {
			return invalidParam("Phone number not available: %s is already claimed", in.PhoneNumber)
		}
		n, err := s.countNumbers(tx, inst.ID)
		if err != nil {
			return err
		}
		if n >= s.cfg.Quotas.PhoneNumbersPerInstance {
			return apiErr(codeQuota, "instance %s already has %d phone numbers, its quota (PhoneNumbersPerInstance)", inst.ID, n)
		}
		rec = &phoneRecord{
			ID: newID(), Number: in.PhoneNumber, InstanceID: inst.ID, CountryCode: country, Type: typ,
			Description: deref(in.PhoneNumberDescription), Tags: in.Tags, ClientToken: token,
			ClaimedTime: s.clock.Now().UTC(),
		}
		if token != "" {
			if err := tx.Put([]byte(phoneTokenKey(token)), []byte(rec.ID)); err != nil {
				return err
			}
		}
		if err := tx.Put([]byte(phoneNumberKey(rec.Number)), []byte(rec.ID)); err != nil {
			return err
		}
		return store.PutJSON(tx, phoneKey(rec.ID), rec)
	})
	if err != nil {
		return nil, err
	}
	return &api.ClaimPhoneNumberResponse{PhoneNumberId: ptr(rec.ID), PhoneNumberArn: ptr(s.phoneARN(rec.ID))}, nil
}

func (s *Service) phoneByToken(tx store.Tx, token string) (*phoneRecord, error) {
	id, err := tx.Get([]byte(phoneTokenKey(token)))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rec, _, err := store.GetJSON[phoneRecord](tx, phoneKey(string(id)))
	return rec, err
}

// countNumbers counts the numbers claimed to an instance.
func (s *Service) countNumbers(tx store.Tx, inst string) (int, error) {
	n := 0
	err := eachPhone(tx, func(r *phoneRecord) error {
		if r.InstanceID == inst {
			n++
		}
		return nil
	})
	return n, err
}

// eachPhone calls fn with every claimed number, in id order. The records
// are read before fn runs, so fn may delete them.
func eachPhone(tx store.Tx, fn func(*phoneRecord) error) error {
	prefix := []byte(phoneRecordPrefix)
	var recs []*phoneRecord
	for k, v := range tx.Scan(prefix, store.PrefixEnd(prefix)) {
		rec := new(phoneRecord)
		if err := json.Unmarshal(v, rec); err != nil {
			return fmt.Errorf("connect: corrupt record %s: %w", k, err)
		}
		recs = append(recs, rec)
	}
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// phoneIDFromRef accepts a phone number id or its ARN: the account-level
// form AWS issues today or the instance-scoped one older APIs returned.
func (s *Service) phoneIDFromRef(ref string) (string, error) {
	if !strings.HasPrefix(ref, "arn:") {
		return ref, nil
	}
	rest, ok := strings.CutPrefix(ref, "arn:aws:connect:"+s.cfg.Region+":"+s.cfg.AccountID+":")
	if ok {
		if r, inInstance := strings.CutPrefix(rest, "instance/"); inInstance {
			_, rest, _ = strings.Cut(r, "/")
		}
		if id, ok := strings.CutPrefix(rest, "phone-number/"); ok && id != "" && !strings.Contains(id, "/") {
			return id, nil
		}
	}
	return "", notFound("phone number %s was not found", ref)
}

// loadPhone reads the number a request names by id or ARN.
func (s *Service) loadPhone(tx store.Tx, ref string) (*phoneRecord, error) {
	id, err := s.phoneIDFromRef(ref)
	if err != nil {
		return nil, err
	}
	rec, ok, err := store.GetJSON[phoneRecord](tx, phoneKey(id))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("phone number %s was not found", ref)
	}
	return rec, nil
}

func (s *Service) describePhoneNumber(ctx context.Context, in *api.DescribePhoneNumberRequest) (*api.DescribePhoneNumberResponse, error) {
	var out *api.DescribePhoneNumberResponse
	err := s.view(ctx, func(tx store.Tx) error {
		rec, err := s.loadPhone(tx, in.PhoneNumberId)
		if err != nil {
			return err
		}
		out = &api.DescribePhoneNumberResponse{ClaimedPhoneNumberSummary: &api.ClaimedPhoneNumberSummary{
			PhoneNumberId: ptr(rec.ID), PhoneNumberArn: ptr(s.phoneARN(rec.ID)), PhoneNumber: ptr(rec.Number),
			PhoneNumberCountryCode: optional(rec.CountryCode), PhoneNumberType: ptr(rec.Type),
			PhoneNumberDescription: optional(rec.Description), TargetArn: ptr(s.instanceARN(rec.InstanceID)),
			InstanceId: ptr(rec.InstanceID), Tags: rec.Tags,
			// Claims complete at once here; AWS may show IN_PROGRESS first.
			PhoneNumberStatus: &api.PhoneNumberStatus{Status: ptr("CLAIMED")},
		}}
		return nil
	})
	return out, err
}

// phoneFilter keeps the numbers that match a list call's filters.
type phoneFilter struct {
	instance  string // "" for every instance
	countries map[string]bool
	types     map[string]bool
	prefix    string
}

func newPhoneFilter(instance string, countries, types []string, prefix string) phoneFilter {
	f := phoneFilter{instance: instance, countries: map[string]bool{}, types: map[string]bool{}, prefix: prefix}
	for _, c := range countries {
		f.countries[c] = true
	}
	for _, t := range types {
		f.types[t] = true
	}
	return f
}

func (f phoneFilter) keep(r *phoneRecord) bool {
	return (f.instance == "" || r.InstanceID == f.instance) &&
		(len(f.countries) == 0 || f.countries[r.CountryCode]) &&
		(len(f.types) == 0 || f.types[r.Type]) &&
		strings.HasPrefix(r.Number, f.prefix)
}

// scope names the listing and its filters for the page token.
func (f phoneFilter) scope(op string) string {
	return strings.Join([]string{op, f.instance, strings.Join(sortedKeys(f.countries), ","),
		strings.Join(sortedKeys(f.types), ","), f.prefix}, "/")
}

func (s *Service) listPhoneNumbersV2(ctx context.Context, in *api.ListPhoneNumbersV2Request) (*api.ListPhoneNumbersV2Response, error) {
	prefix := deref(in.PhoneNumberPrefix)
	if prefix != "" && !phonePrefix.MatchString(prefix) {
		return nil, invalidParam("PhoneNumberPrefix %q must be + and 1 to 11 digits of the number, country code first, e.g. +1555", prefix)
	}
	out := &api.ListPhoneNumbersV2Response{ListPhoneNumbersSummaryList: []*api.ListPhoneNumbersSummary{}}
	err := s.view(ctx, func(tx store.Tx) error {
		inst, _, err := s.targetInstance(tx, in.InstanceId, in.TargetArn)
		if err != nil {
			return err
		}
		var instID string
		if inst != nil {
			instID = inst.ID
		}
		f := newPhoneFilter(instID, in.PhoneNumberCountryCodes, in.PhoneNumberTypes, prefix)
		recs, next, err := page(tx, phoneRecordPrefix, pageRequest{
			scope: f.scope("phones-v2"), token: in.NextToken, max: maxResults(in.MaxResults, 100),
		}, f.keep)
		if err != nil {
			return err
		}
		for _, r := range recs {
			out.ListPhoneNumbersSummaryList = append(out.ListPhoneNumbersSummaryList, &api.ListPhoneNumbersSummary{
				PhoneNumberId: ptr(r.ID), PhoneNumberArn: ptr(s.phoneARN(r.ID)), PhoneNumber: ptr(r.Number),
				PhoneNumberCountryCode: optional(r.CountryCode), PhoneNumberType: ptr(r.Type),
				PhoneNumberDescription: optional(r.Description),
				TargetArn:              ptr(s.instanceARN(r.InstanceID)), InstanceId: ptr(r.InstanceID),
			})
		}
		out.NextToken = next
		return nil
	})
	return out, err
}

func (s *Service) listPhoneNumbers(ctx context.Context, in *api.ListPhoneNumbersRequest) (*api.ListPhoneNumbersResponse, error) {
	out := &api.ListPhoneNumbersResponse{PhoneNumberSummaryList: []*api.PhoneNumberSummary{}}
	err := s.view(ctx, func(tx store.Tx) error {
		inst, err := s.instance(tx, in.InstanceId)
		if err != nil {
			return err
		}
		f := newPhoneFilter(inst.ID, in.PhoneNumberCountryCodes, in.PhoneNumberTypes, "")
		recs, next, err := page(tx, phoneRecordPrefix, pageRequest{
			scope: f.scope("phones-v1"), token: in.NextToken, max: maxResults(in.MaxResults, 100),
		}, f.keep)
		if err != nil {
			return err
		}
		for _, r := range recs {
			// The account-level ARN, the one every other operation accepts.
			out.PhoneNumberSummaryList = append(out.PhoneNumberSummaryList, &api.PhoneNumberSummary{
				Id: ptr(r.ID), Arn: ptr(s.phoneARN(r.ID)), PhoneNumber: ptr(r.Number),
				PhoneNumberCountryCode: optional(r.CountryCode), PhoneNumberType: ptr(r.Type),
			})
		}
		out.NextToken = next
		return nil
	})
	return out, err
}

// deletePhone removes a number and its indexes.
func deletePhone(tx store.RwTx, rec *phoneRecord) error {
	if rec.ClientToken != "" {
		if err := tx.Delete([]byte(phoneTokenKey(rec.ClientToken))); err != nil {
			return err
		}
	}
	if err := tx.Delete([]byte(phoneNumberKey(rec.Number))); err != nil {
		return err
	}
	return tx.Delete([]byte(phoneKey(rec.ID)))
}

func (s *Service) releasePhoneNumber(ctx context.Context, in *api.ReleasePhoneNumberRequest) (*struct{}, error) {
	return nil, s.update(ctx, func(tx store.RwTx) error {
		rec, err := s.loadPhone(tx, in.PhoneNumberId)
		if err != nil {
			return err
		}
		// A queue calling out from this number would be left with a dangling
		// caller id; the model gives ReleasePhoneNumber ResourceInUseException.
		err = eachRecord(tx, rec.InstanceID, kindQueue, func(q *queueRecord) error {
			if q.OutboundCallerIDNumberID != rec.ID {
				return nil
			}
			return apierr.New(codeInUse, "phone number %s is the outbound caller ID of queue %s (%s); change the queue's outbound caller config first", rec.Number, q.Name, q.ID).
				With("ResourceType", "PHONE_NUMBER").With("ResourceId", s.phoneARN(rec.ID))
		})
		if err != nil {
			return err
		}
		return deletePhone(tx, rec)
	})
}

// releaseInstanceNumbers releases every number claimed to an instance; it
// runs inside DeleteInstance's transaction, as AWS releases an instance's
// numbers with it.
func (s *Service) releaseInstanceNumbers(tx store.RwTx, instanceID string) error {
	return eachPhone(tx, func(r *phoneRecord) error {
		if r.InstanceID != instanceID {
			return nil
		}
		return deletePhone(tx, r)
	})
}

// phoneInInstance loads a number and checks it is claimed to inst.
func (s *Service) phoneInInstance(tx store.Tx, ref, inst string) (*phoneRecord, error) {
	rec, err := s.loadPhone(tx, ref)
	if err != nil {
		return nil, err
	}
	if rec.InstanceID != inst {
		return nil, notFound("phone number %s is not claimed to instance %s", ref, inst)
	}
	return rec, nil
}

func (s *Service) associatePhoneNumberFlow(ctx context.Context, in *api.AssociatePhoneNumberContactFlowRequest) (*struct{}, error) {
	return nil, s.update(ctx, func(tx store.RwTx) error {
		inst, flow, _, err := s.loadFlow(tx, in.InstanceId, in.ContactFlowId)
		if err != nil {
			return err
		}
		rec, err := s.phoneInInstance(tx, in.PhoneNumberId, inst)
		if err != nil {
			return err
		}
		// Only an inbound flow with published content can answer a call;
		// the console offers nothing else for a number either.
		if flow.Type != "CONTACT_FLOW" {
			return invalidParam("contact flow %s is of type %s; a phone number needs a CONTACT_FLOW (inbound) flow", flow.ID, flow.Type)
		}
		if flow.Content == "" {
			return invalidParam("contact flow %s has never been published; publish it before routing a number to it", flow.ID)
		}
		rec.FlowID = flow.ID
		return store.PutJSON(tx, phoneKey(rec.ID), rec)
	})
}

func (s *Service) disassociatePhoneNumberFlow(ctx context.Context, in *api.DisassociatePhoneNumberContactFlowRequest) (*struct{}, error) {
	return nil, s.update(ctx, func(tx store.RwTx) error {
		inst, err := s.instance(tx, in.InstanceId)
		if err != nil {
			return err
		}
		rec, err := s.phoneInInstance(tx, in.PhoneNumberId, inst.ID)
		if err != nil {
			return err
		}
		// Disassociating a number with no flow succeeds: the end state is the one asked for.
		if rec.FlowID == "" {
			return nil
		}
		rec.FlowID = ""
		return store.PutJSON(tx, phoneKey(rec.ID), rec)
	})
}

// NumberRoute says who answers a dialled number: the instance it is claimed
// to and the contact flow associated with it. flowID is "" when the number
// has no flow (or its flow has since been deleted). A number nobody claimed
// is a ResourceNotFoundException.
func (s *Service) NumberRoute(ctx context.Context, e164 string) (instanceID, flowID string, err error) {
	// Cached: it is read at every call. Only claimed numbers are kept, so
	// callers dialling numbers nobody claimed do not fill the cache.
	r, err := s.routes.Load(e164, func() (r route, err error) {
		r.instanceID, r.flowID, err = s.numberRoute(ctx, e164)
		return r, err
	})
	return r.instanceID, r.flowID, err
}

// numberRoute is NumberRoute read from the store.
func (s *Service) numberRoute(ctx context.Context, e164 string) (instanceID, flowID string, err error) {
	err = s.view(ctx, func(tx store.Tx) error {
		id, err := tx.Get([]byte(phoneNumberKey(e164)))
		if errors.Is(err, store.ErrNotFound) {
			return notFound("phone number %s is not claimed", e164)
		}
		if err != nil {
			return err
		}
		rec, ok, err := store.GetJSON[phoneRecord](tx, phoneKey(string(id)))
		if err != nil {
			return err
		}
		if !ok {
			return notFound("phone number %s is not claimed", e164)
		}
		instanceID = rec.InstanceID
		if rec.FlowID == "" {
			return nil
		}
		live, err := store.Exists(tx, recordKey(rec.InstanceID, kindFlow, rec.FlowID))
		if live {
			flowID = rec.FlowID
		}
		return err
	})
	return instanceID, flowID, err
}

// numberType classifies a number. Rule: North American toll-free area codes
// (+1 800/833/844/855/866/877/888) and UK freephone (+44 800, +44 808) are
// TOLL_FREE; international freephone (+800, ITU UIFN) is UIFN; everything
// else is DID.
func numberType(n string) string {
	switch {
	case strings.HasPrefix(n, "+800"):
		return "UIFN"
	case len(n) >= 5 && n[:2] == "+1" && nanpTollFree[n[2:5]]:
		return "TOLL_FREE"
	case strings.HasPrefix(n, "+44800"), strings.HasPrefix(n, "+44808"):
		return "TOLL_FREE"
	}
	return "DID"
}

var nanpTollFree = map[string]bool{"800": true, "833": true, "844": true, "855": true, "866": true, "877": true, "888": true}

// numberCountry returns the ISO 3166-1 alpha-2 code of the country a number
// belongs to, by its longest known prefix, or "" when unknown.
func numberCountry(n string) string {
	digits := strings.TrimPrefix(n, "+")
	for l := min(len(digits), maxPrefixLen); l > 0; l-- {
		if c, ok := callingCodes[digits[:l]]; ok {
			return c
		}
	}
	return ""
}

const maxPrefixLen = 7

// callingCodes maps ITU calling codes (and, where one code serves several
// countries, longer prefixes) to ISO countries. It covers the codes whose
// country is in Connect's PhoneNumberCountryCode enum; sources: ITU-T E.164
// assignments and the NANP area-code plan (nationalnanpa.com).
var callingCodes = func() map[string]string {
	m := map[string]string{
		"1": "US",
		"7": "RU", "76": "KZ", "77": "KZ",
		"20": "EG", "27": "ZA", "30": "GR", "31": "NL", "32": "BE", "33": "FR", "34": "ES", "36": "HU",
		"39": "IT", "3906698": "VA", "40": "RO", "41": "CH", "43": "AT",
		"44": "GB", "441481": "GG", "447781": "GG", "447839": "GG", "447911": "GG",
		"441534": "JE", "447509": "JE", "447700": "JE", "447797": "JE", "447829": "JE", "447937": "JE",
		"441624": "IM", "447524": "IM", "447624": "IM", "447924": "IM",
		"45": "DK", "46": "SE", "47": "NO", "4779": "SJ", "48": "PL", "49": "DE",
		"51": "PE", "52": "MX", "53": "CU", "54": "AR", "55": "BR", "56": "CL", "57": "CO", "58": "VE",
		"60": "MY", "61": "AU", "6189162": "CC", "6189164": "CX", "62": "ID", "63": "PH", "64": "NZ",
		"65": "SG", "66": "TH",
		"81": "JP", "82": "KR", "84": "VN", "86": "CN",
		"90": "TR", "91": "IN", "92": "PK", "93": "AF", "94": "LK", "95": "MM", "98": "IR",
		"212": "MA", "2125288": "EH", "2125289": "EH", "213": "DZ", "216": "TN", "218": "LY",
		"220": "GM", "221": "SN", "222": "MR", "223": "ML", "224": "GN", "225": "CI", "226": "BF",
		"227": "NE", "228": "TG", "229": "BJ", "230": "MU", "231": "LR", "232": "SL", "233": "GH",
		"234": "NG", "235": "TD", "236": "CF", "237": "CM", "238": "CV", "239": "ST", "240": "GQ",
		"241": "GA", "242": "CG", "243": "CD", "244": "AO", "245": "GW", "246": "IO", "248": "SC",
		"249": "SD", "250": "RW", "251": "ET", "252": "SO", "253": "DJ", "254": "KE", "255": "TZ",
		"256": "UG", "257": "BI", "258": "MZ", "260": "ZM", "261": "MG",
		"262": "RE", "262269": "YT", "262639": "YT",
		"263": "ZW", "264": "NA", "265": "MW", "266": "LS", "267": "BW", "268": "SZ", "269": "KM",
		"290": "SH", "291": "ER", "297": "AW", "298": "FO", "299": "GL",
		"350": "GI", "351": "PT", "352": "LU", "353": "IE", "354": "IS", "355": "AL", "356": "MT",
		"357": "CY", "358": "FI", "359": "BG", "370": "LT", "371": "LV", "372": "EE", "373": "MD",
		"374": "AM", "375": "BY", "376": "AD", "377": "MC", "378": "SM", "380": "UA", "381": "RS",
		"382": "ME", "385": "HR", "386": "SI", "387": "BA", "389": "MK",
		"420": "CZ", "421": "SK", "423": "LI",
		"500": "FK", "501": "BZ", "502": "GT", "503": "SV", "504": "HN", "505": "NI", "506": "CR",
		"507": "PA", "508": "PM", "509": "HT", "591": "BO", "592": "GY", "593": "EC", "595": "PY",
		"597": "SR", "598": "UY", "5999": "CW",
		"670": "TL", "673": "BN", "674": "NR", "675": "PG", "676": "TO", "677": "SB", "678": "VU",
		"679": "FJ", "680": "PW", "681": "WF", "682": "CK", "683": "NU", "685": "WS", "686": "KI",
		"687": "NC", "688": "TV", "689": "PF", "690": "TK", "691": "FM", "692": "MH",
		"850": "KP", "852": "HK", "853": "MO", "855": "KH", "856": "LA", "880": "BD", "886": "TW",
		"960": "MV", "961": "LB", "962": "JO", "963": "SY", "964": "IQ", "965": "KW", "966": "SA",
		"967": "YE", "968": "OM", "971": "AE", "972": "IL", "973": "BH", "974": "QA", "975": "BT",
		"976": "MN", "977": "NP", "992": "TJ", "993": "TM", "994": "AZ", "995": "GE", "996": "KG",
		"998": "UZ",
	}
	// +1 is shared by the NANP countries; the area code decides.
	for _, ac := range []string{
		"204", "226", "236", "249", "250", "257", "263", "289", "306", "343", "354", "365", "367",
		"368", "382", "403", "416", "418", "428", "431", "437", "438", "450", "468", "474", "506",
		"514", "519", "548", "579", "581", "584", "587", "600", "604", "613", "639", "647", "672",
		"683", "705", "709", "742", "753", "778", "780", "782", "807", "819", "825", "867", "873",
		"879", "902", "905", "942",
	} {
		m["1"+ac] = "CA"
	}
	for ac, c := range map[string]string{
		"242": "BS", "246": "BB", "264": "AI", "268": "AG", "284": "VG", "340": "VI", "345": "KY",
		"441": "BM", "473": "GD", "649": "TC", "658": "JM", "876": "JM", "664": "MS", "670": "MP",
		"671": "GU", "684": "AS", "721": "SX", "758": "LC", "767": "DM", "784": "VC", "787": "PR",
		"939": "PR", "809": "DO", "829": "DO", "849": "DO", "868": "TT", "869": "KN",
	} {
		m["1"+ac] = c
	}
	return m
}()

// sortedKeys returns a set's members in order, for stable page-token scopes.
func sortedKeys(set map[string]bool) []string {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
