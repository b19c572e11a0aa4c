# Stella's additions to the seed policies (seed_exploitable.rego, seed_rekor.rego, which are
# kept exactly as the seed wrote them).
package stella.policy

import rego.v1

# A waiver waives its vulnerability while it is valid. `valid` is computed by the input builder
# from the decision clock (expires later than now), so an expired waiver does not count and the
# policy itself never reads a clock.
waived(id) if {
	some w in input.waivers
	w.vuln_id == id
	w.valid == true
}

# Critical findings nobody has assessed yet (DESIGN invariant 4: unknown is visible).
under_investigation_critical contains v.id if {
	some v in input.findings
	v.severity == "CRITICAL"
	v.exploitability == "under_investigation"
	not waived(v.id)
}

# data.stella.config.under_investigation is "warn" (the default) or "deny".
warn contains msg if {
	data.stella.config.under_investigation != "deny"
	some id in under_investigation_critical
	msg := sprintf("Critical vulnerability %s is under investigation", [id])
}

deny contains msg if {
	data.stella.config.under_investigation == "deny"
	some id in under_investigation_critical
	msg := sprintf("Critical vulnerability %s is under investigation", [id])
}

# Every attestation must be about the image that was scanned.
violation contains msg if {
	some a in input.attestations
	not binds_image(a)
	msg := sprintf("Attestation %s does not bind the scanned image %s", [a.id, input.image.digest])
}

# Without an image there is nothing an attestation could be bound to. Say so for each one,
# so a missing `input.image` never turns the binding rule above into a silent pass.
violation contains msg if {
	not input.image.digest
	some a in input.attestations
	msg := sprintf("Attestation %s cannot be bound: the input names no image", [a.id])
}

binds_image(a) if {
	some d in a.subject_digests
	d == input.image.digest
}

# The seed's allow rule says no without saying why: name each finding that makes it say no
# (the same condition as the seed's exploitable_some), so a deny always carries its reason.
violation contains msg if {
	some v in input.findings
	exploitable(v)
	not waived(v.id)
	msg := sprintf("Critical vulnerability %s is affected and not waived", [v.id])
}
