package interp

import (
	"errors"
	"strings"
)

// callingCodes maps ISO 3166 country codes to E.164 country calling codes,
// for PhoneNumberValidation with NumberFormat Local. The list is of common
// countries; another country is an error the trace names, not a guess.
var callingCodes = map[string]string{
	"US": "1", "CA": "1", "PR": "1",
	"GB": "44", "IE": "353", "FR": "33", "DE": "49", "ES": "34", "IT": "39", "NL": "31",
	"BE": "32", "LU": "352", "CH": "41", "AT": "43", "SE": "46", "NO": "47", "DK": "45",
	"FI": "358", "IS": "354", "PL": "48", "PT": "351", "GR": "30", "CZ": "420", "SK": "421",
	"HU": "36", "RO": "40", "BG": "359", "HR": "385", "SI": "386", "EE": "372", "LV": "371",
	"LT": "370", "CY": "357", "MT": "356", "TR": "90", "IL": "972", "AE": "971", "SA": "966",
	"ZA": "27", "NG": "234", "KE": "254", "EG": "20",
	"AU": "61", "NZ": "64", "JP": "81", "KR": "82", "CN": "86", "HK": "852", "TW": "886",
	"SG": "65", "MY": "60", "TH": "66", "ID": "62", "PH": "63", "IN": "91",
	"BR": "55", "MX": "52", "AR": "54", "CL": "56", "CO": "57", "PE": "51",
}

// phoneNumber validates keyed-in digits as a phone number and returns it in
// E.164. E164: the digits are the full international number. Local: a
// national number of country (a leading trunk 0 dropped outside the North
// American plan, where 10 digits, or 11 starting with 1, are required).
func phoneNumber(digits, format, country string) (string, error) {
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return "", errors.New("a phone number is digits only")
	}
	if format == "E164" {
		if digits[0] == '0' || len(digits) < 8 || len(digits) > 15 {
			return "", errors.New("not an international number of 8 to 15 digits")
		}
		if cc, ok := callingCodes[strings.ToUpper(country)]; ok && !strings.HasPrefix(digits, cc) {
			return "", errors.New("not a number of country " + country)
		}
		return "+" + digits, nil
	}
	cc, ok := callingCodes[strings.ToUpper(country)]
	if !ok {
		return "", errors.New("country code " + quote(country) + " is not one the engine knows")
	}
	if cc == "1" {
		if len(digits) == 11 && digits[0] == '1' {
			digits = digits[1:]
		}
		if len(digits) != 10 || digits[0] < '2' || digits[3] < '2' {
			return "", errors.New("not a 10-digit North American number")
		}
		return "+1" + digits, nil
	}
	digits = strings.TrimPrefix(digits, "0")
	if len(digits) < 6 || len(cc)+len(digits) > 15 {
		return "", errors.New("not a national number of country " + country)
	}
	return "+" + cc + digits, nil
}
