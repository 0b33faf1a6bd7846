package config

import (
	"strings"
	"testing"
)

func TestTargetDomainAliases(t *testing.T) {
	const anchor = `run_as: quell}`
	cases := []struct {
		name, yaml string
		problems   []string
	}{
		{"none", "", nil},
		{"map of lists", "{CORP: [corp.example.com, CORPNET], LAB: []}", nil},
		{"bad names", `{CORP: [corp.example.com, "", 'A\B', "two words"], "": [x]}`, []string{
			`targets[0].domain_aliases: "": want a domain name`,
			`targets[0].domain_aliases.CORP[1]: "": want a domain name`,
			`targets[0].domain_aliases.CORP[2]: "A\\B": want a domain name`,
			`targets[0].domain_aliases.CORP[3]: "two words": want a domain name`,
		}},
		{"a name in two domains", "{CORP: [corp.example.com], LAB: [Corp.Example.COM, corp]}", []string{
			`targets[0].domain_aliases.LAB[0]: "Corp.Example.COM" is already a name of "CORP"`,
			`targets[0].domain_aliases.LAB[1]: "corp" is already a name of "CORP"`,
		}},
		{"a scalar is not a list", "{CORP: corp.example.com}", []string{"cannot unmarshal"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := valid
			if tc.yaml != "" {
				doc = strings.Replace(valid, anchor, anchor+"\n    domain_aliases: "+tc.yaml, 1)
			}
			c, err := Parse([]byte(doc))
			if len(tc.problems) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if tc.yaml != "" && len(c.Targets[0].DomainAliases["CORP"]) != 2 {
					t.Errorf("aliases %v", c.Targets[0].DomainAliases)
				}
				return
			}
			for _, p := range tc.problems {
				if err == nil || !strings.Contains(err.Error(), p) {
					t.Errorf("want problem %q, got %v", p, err)
				}
			}
		})
	}
}
