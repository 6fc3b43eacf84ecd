//! CustomResourceDefinition (`apiextensions.k8s.io`, any version): the result of Argo CD's
//! built-in Lua (`resource_customizations/apiextensions.k8s.io/CustomResourceDefinition/
//! health.lua`, since v3.0).
//!
//! In order: a `metadata.deletionTimestamp` (any value; the global "Pending deletion" check
//! usually answers first) → Progressing "CRD is terminating"; no or empty
//! `status.conditions` → Progressing "Status conditions not found"; then the conditions in
//! order: `Terminating` True → Progressing "CRD is terminating: MESSAGE";
//! `NamesAccepted` False → Degraded "CRD names have not been accepted: MESSAGE";
//! `NonStructuralSchema` True → Degraded "Schema violations found: MESSAGE";
//! `Established` True marks the CRD established, `Established` with reason `Installing` →
//! Progressing "CRD is being installed". Finally: not established → Degraded "CRD is not
//! established", else Healthy "CRD is healthy". A CRD without `status` makes the script
//! fail: Unknown.

use super::lua::{Lua, LuaError};
use crate::health::Context;
use crate::health::object::Object;
use crate::health::status::HealthStatus;

/// Assesses a CustomResourceDefinition.
pub fn assess(obj: &Object<'_>, _: &Context) -> HealthStatus {
    script(Lua::of(Some(obj.value))).unwrap_or_else(|LuaError(e)| HealthStatus::unknown(e))
}

fn script(obj: Lua<'_>) -> Result<HealthStatus, LuaError> {
    if !obj.get("metadata")?.get("deletionTimestamp")?.is_nil() {
        return Ok(HealthStatus::progressing("CRD is terminating"));
    }
    let conditions = obj.get("status")?.get("conditions")?;
    if conditions.is_nil() || conditions.len()? == 0 {
        return Ok(HealthStatus::progressing("Status conditions not found"));
    }
    let mut established = false;
    for c in conditions.pairs()? {
        let (kind, status) = (c.get("type")?, c.get("status")?);
        if kind.is_str("Terminating") && status.is_str("True") {
            let m = c.get("message")?.concat_after("CRD is terminating: ")?;
            return Ok(HealthStatus::progressing(m));
        }
        if kind.is_str("NamesAccepted") && status.is_str("False") {
            let m = c
                .get("message")?
                .concat_after("CRD names have not been accepted: ")?;
            return Ok(HealthStatus::degraded(m));
        }
        if kind.is_str("NonStructuralSchema") && status.is_str("True") {
            let m = c
                .get("message")?
                .concat_after("Schema violations found: ")?;
            return Ok(HealthStatus::degraded(m));
        }
        if kind.is_str("Established") {
            if status.is_str("True") {
                established = true;
            } else if c.get("reason")?.is_str("Installing") {
                return Ok(HealthStatus::progressing("CRD is being installed"));
            }
        }
    }
    if !established {
        return Ok(HealthStatus::degraded("CRD is not established"));
    }
    Ok(HealthStatus::healthy("CRD is healthy"))
}
