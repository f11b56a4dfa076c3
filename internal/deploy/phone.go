package deploy

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/hotline-dev/hotline/internal/deploy/stacks"
)

// AWS::Connect::PhoneNumber claims a number the way CloudFormation does:
// the template gives a country, a type and perhaps a prefix, never the
// number. Hotline has no SearchAvailablePhoneNumbers, and every number is
// free to it, so deploy picks one itself: from the ranges reserved for
// drama and examples where the prefix has one (+1 555-01xx, UK 020 7946
// 0xxx and 0808 157 0xxx), else the prefix padded with digits.

type phoneSpec struct {
	Target      string // TargetArn as given
	Instance    string // its instance id
	Country     string
	Prefix      string // with the "+"; filled from Country when absent
	Type        string
	Description string
	Tags        map[string]string
	HasTags     bool
	seed        string // stack and logical id: where the search starts
}

var (
	phonePrefixPattern = regexp.MustCompile(`^\+[0-9]{1,15}$`)
	countryPattern     = regexp.MustCompile(`^[A-Z]{2}$`)
)

// callingCodes are the calling codes of the countries most Connect
// instances claim numbers in; for any other, the template must give a
// Prefix.
var callingCodes = map[string]string{
	"US": "1", "CA": "1", "PR": "1", "GB": "44", "IE": "353", "FR": "33", "DE": "49", "ES": "34", "IT": "39",
	"NL": "31", "BE": "32", "CH": "41", "AT": "43", "SE": "46", "NO": "47", "DK": "45", "FI": "358",
	"PL": "48", "PT": "351", "AU": "61", "NZ": "64", "JP": "81", "KR": "82", "SG": "65", "HK": "852",
	"IN": "91", "ZA": "27", "BR": "55", "MX": "52", "AR": "54", "CL": "56", "CO": "57", "IL": "972",
}

func buildPhone(d *run, id string, p *props) spec {
	s := &phoneSpec{
		Target:      p.required("TargetArn"),
		Country:     p.str("CountryCode"),
		Prefix:      p.str("Prefix"),
		Description: p.str("Description"),
		seed:        d.opt.StackName + "/" + id,
	}
	s.Instance = lastSegment(s.Target)
	switch s.Type = p.str("Type"); s.Type {
	case "":
		s.Type = "DID"
	case "DID", "TOLL_FREE":
	default:
		p.fail("%s.Type %s is not supported by hotline deploy: it claims DID and TOLL_FREE numbers", p.path, s.Type)
	}
	p.unsupported("Hotline cannot import numbers from other services", "SourcePhoneNumberArn")
	if s.Country != "" && !countryPattern.MatchString(s.Country) {
		p.fail("%s.CountryCode %q must be an ISO country code such as US or GB", p.path, s.Country)
	}
	code, known := callingCodes[s.Country]
	switch {
	case s.Prefix != "" && !phonePrefixPattern.MatchString(s.Prefix):
		p.fail("%s.Prefix %q must be + and up to 15 digits", p.path, s.Prefix)
	case s.Prefix != "" && known && !strings.HasPrefix(s.Prefix, "+"+code):
		p.fail("%s.Prefix %s is not a number of %s, whose calling code is +%s", p.path, s.Prefix, s.Country, code)
	case s.Prefix == "" && s.Country == "":
		p.fail("%s needs a CountryCode or a Prefix", p.path)
	case s.Prefix == "" && !known:
		p.fail("%s: hotline deploy does not know the calling code of %s; give a Prefix such as +%s", p.path, s.Country, "NNN")
	case s.Prefix == "":
		s.Prefix = "+" + code
	}
	if s.Type == "TOLL_FREE" && s.Prefix != "+1" && s.Prefix != "+44" {
		// Only there does deploy know a toll-free range, which is how
		// Hotline tells a number's type.
		p.fail("%s: hotline deploy claims TOLL_FREE numbers in the US/Canada (+1) and the UK (+44) only", p.path)
	}
	s.Tags, s.HasTags = p.tags()
	return s
}

// candidates returns up to n numbers to try, in a fixed order that starts
// at a point set by seed, so that two numbers of one template, or a
// number claimed again after its release, do not always try the same one
// first.
func candidates(prefix, typ, seed string, n int) []string {
	base, width := prefix, 0
	switch {
	case prefix == "+1" && typ == "TOLL_FREE":
		base, width = "+180055501", 2 // 800-555-0100..0199
	case prefix == "+1":
		base, width = "+120255501", 2 // 202-555-0100..0199
	case prefix == "+44" && typ == "TOLL_FREE":
		base, width = "+448081570", 3 // 0808 157 0000..0999
	case prefix == "+44":
		base, width = "+442079460", 3 // 020 7946 0000..0999
	default:
		digits, total := len(prefix)-1, 12
		if strings.HasPrefix(prefix, "+1") {
			total = 11 // the North American plan: +1 and ten digits
		}
		if digits >= total {
			total = min(digits+3, 15)
		}
		width = total - digits
	}
	if width <= 0 {
		return []string{prefix}
	}
	space := 1
	for range width {
		space *= 10
	}
	h := fnv.New32a()
	h.Write([]byte(seed))
	start := int(h.Sum32() % uint32(space))
	out := make([]string, 0, min(n, space))
	for i := range min(n, space) {
		out = append(out, fmt.Sprintf("%s%0*d", base, width, (start+i)%space))
	}
	return out
}

// maxClaimTries bounds the search for a free number.
const maxClaimTries = 200

// claimToken makes a claim idempotent per number: claiming the same number
// for the same stack resource again answers the number claimed before,
// even when the stack's state was lost.
func claimToken(seed, number string) string { return "hotline-deploy/" + seed + "/" + number }

func (s *phoneSpec) apply(ctx context.Context, d *run, id string, prev *stacks.Resource) (*stacks.Resource, Action, error) {
	c := d.cfg.Connect
	if prev != nil {
		out, err := c.DescribePhoneNumber(ctx, &connect.DescribePhoneNumberInput{PhoneNumberId: &prev.PhysicalID})
		if err == nil {
			return s.keep(ctx, d, id, out.ClaimedPhoneNumberSummary)
		}
		if !isNotFound(err) {
			return nil, Action{}, err
		}
	}
	if d.opt.DryRun {
		return planned(id, "PhoneNumberArn", "Address"), Action{Op: OpCreate}, nil
	}
	ours, err := s.instanceNumbers(ctx, d)
	if err != nil {
		return nil, Action{}, err
	}
	tried := candidates(s.Prefix, s.Type, s.seed, maxClaimTries)
	for _, number := range tried {
		in := &connect.ClaimPhoneNumberInput{
			PhoneNumber: aws.String(number), PhoneNumberDescription: optional(s.Description), Tags: s.Tags,
			ClientToken: aws.String(claimToken(s.seed, number)),
		}
		if strings.HasPrefix(s.Target, "arn:") {
			in.TargetArn = &s.Target
		} else {
			in.InstanceId = &s.Target
		}
		out, err := c.ClaimPhoneNumber(ctx, in)
		if err != nil {
			if taken(err) {
				continue
			}
			return nil, Action{}, err
		}
		arn := aws.ToString(out.PhoneNumberArn)
		sr := &stacks.Resource{PhysicalID: aws.ToString(out.PhoneNumberId),
			Attributes: map[string]string{"Ref": arn, "PhoneNumberArn": arn, "Address": number}}
		if ours[number] {
			// The token answered the number an earlier deploy claimed.
			desc, err := c.DescribePhoneNumber(ctx, &connect.DescribePhoneNumberInput{PhoneNumberId: out.PhoneNumberId})
			if err != nil {
				return nil, Action{}, err
			}
			sr, act, err := s.keep(ctx, d, id, desc.ClaimedPhoneNumberSummary)
			act.Adopted = true
			return sr, act, err
		}
		return sr, Action{Op: OpCreate, Physical: number + " " + arn}, nil
	}
	return nil, Action{}, fmt.Errorf("no free number among the %d tried from %s to %s; give the resource another Prefix", len(tried), tried[0], tried[len(tried)-1])
}

// taken reports whether a claim failed because someone holds the number.
func taken(err error) bool {
	var ip *types.InvalidParameterException
	return errors.As(err, &ip) && strings.Contains(aws.ToString(ip.Message), "not available")
}

// instanceNumbers returns the numbers claimed to the target instance.
func (s *phoneSpec) instanceNumbers(ctx context.Context, d *run) (map[string]bool, error) {
	in := &connect.ListPhoneNumbersV2Input{}
	if strings.HasPrefix(s.Target, "arn:") {
		in.TargetArn = &s.Target
	} else {
		in.InstanceId = &s.Target
	}
	nums := map[string]bool{}
	p := connect.NewListPhoneNumbersV2Paginator(d.cfg.Connect, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range page.ListPhoneNumbersSummaryList {
			nums[aws.ToString(n.PhoneNumber)] = true
		}
	}
	return nums, nil
}

// keep reports on a number already claimed. Connect can change its tags;
// a number's description and instance Hotline cannot change
// (UpdatePhoneNumber and UpdatePhoneNumberMetadata are not implemented),
// and CloudFormation would claim a new number for another prefix or type,
// which deploy does not do: those differences are warnings.
func (s *phoneSpec) keep(ctx context.Context, d *run, id string, cur *types.ClaimedPhoneNumberSummary) (*stacks.Resource, Action, error) {
	number, arn := aws.ToString(cur.PhoneNumber), aws.ToString(cur.PhoneNumberArn)
	if aws.ToString(cur.InstanceId) != s.Instance {
		d.warn("%s: number %s is claimed to instance %s, not to %s as the template says; hotline deploy cannot move it", id, number, aws.ToString(cur.InstanceId), s.Instance)
	}
	if !strings.HasPrefix(number, s.Prefix) || string(cur.PhoneNumberType) != s.Type && cur.PhoneNumberType != "" {
		d.warn("%s: number %s (%s) no longer fits the template (%s, %s); release it (aws connect release-phone-number) and deploy again to claim another", id, number, cur.PhoneNumberType, s.Prefix, s.Type)
	}
	if aws.ToString(cur.PhoneNumberDescription) != s.Description {
		d.warn("%s: the Description of number %s differs from the template's; hotline deploy cannot change it", id, number)
	}
	sr := &stacks.Resource{PhysicalID: aws.ToString(cur.PhoneNumberId),
		Attributes: map[string]string{"Ref": arn, "PhoneNumberArn": arn, "Address": number}}
	act := Action{Physical: number + " " + arn}
	if err := d.finish(ctx, &act, d.tagChanges(arn, cur.Tags, s.Tags, s.HasTags)); err != nil {
		return nil, Action{}, err
	}
	return sr, act, nil
}
