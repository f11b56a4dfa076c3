package connect

// Quotas are the per-account and per-instance resource limits. The defaults
// are Amazon Connect's default service quotas; every one is a setting.
type Quotas struct {
	InstancesPerAccount     int
	FlowsPerInstance        int
	ModulesPerInstance      int
	QueuesPerInstance       int
	HoursPerInstance        int
	PhoneNumbersPerInstance int
	PromptsPerInstance      int
	LambdasPerInstance      int
}

// DefaultQuotas returns Amazon Connect's default quotas.
func DefaultQuotas() Quotas {
	return Quotas{
		InstancesPerAccount:     2,
		FlowsPerInstance:        100,
		ModulesPerInstance:      200,
		QueuesPerInstance:       50,
		HoursPerInstance:        100,
		PhoneNumbersPerInstance: 5,
		PromptsPerInstance:      500,
		LambdasPerInstance:      50,
	}
}

func (q Quotas) withDefaults() Quotas {
	d := DefaultQuotas()
	for _, f := range []struct{ v, def *int }{
		{&q.InstancesPerAccount, &d.InstancesPerAccount},
		{&q.FlowsPerInstance, &d.FlowsPerInstance},
		{&q.ModulesPerInstance, &d.ModulesPerInstance},
		{&q.QueuesPerInstance, &d.QueuesPerInstance},
		{&q.HoursPerInstance, &d.HoursPerInstance},
		{&q.PhoneNumbersPerInstance, &d.PhoneNumbersPerInstance},
		{&q.PromptsPerInstance, &d.PromptsPerInstance},
		{&q.LambdasPerInstance, &d.LambdasPerInstance},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return q
}
