package epcis

import "strings"

// CBV 2.0 and GS1 Web vocabulary terms EPCIS 2.0 JSON-LD writes as bare names (the
// enumerations of the GS1 EPCIS JSON Schema).
var terms = map[string]map[string]bool{
	"bizStep": set(`accepting arriving assembling collecting commissioning consigning creating_class_instance
		cycle_counting decommissioning departing destroying disassembling dispensing encoding entering_exiting holding
		inspecting installing killing loading other packing picking receiving removing repackaging repairing replacing
		reserving retail_selling shipping staging_outbound stock_taking stocking storing transporting unloading unpacking
		void_shipping sensor_reporting sampling`),
	"disposition": set(`active container_closed damaged destroyed dispensed disposed encoded expired in_progress
		in_transit inactive no_pedigree_match non_sellable_other partially_dispensed recalled reserved retail_sold
		returned sellable_accessible sellable_not_accessible stolen unknown available completeness_verified
		completeness_inferred conformant container_open mismatch_instance mismatch_class mismatch_quantity
		needs_replacement non_conformant unavailable`),
	"btt": set(`bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt`),
	"measurement": set(`AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Radioactivity Altitude
		AmountOfSubstance AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity Area
		Capacitance Conductance Conductivity Count Density Dimensionless DoseEquivalent DoseEquivalentRate
		DynamicViscosity ElectricCharge ElectricCurrent ElectricCurrentDensity ElectricFieldStrength Energy Exposure
		Force Frequency Illuminance Inductance Irradiance KinematicViscosity Length LinearMomentum Luminance
		LuminousFlux LuminousIntensity MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration
		MassFlowRate MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass MolarVolume Power Pressure
		RadiantFlux RadiantIntensity RelativeHumidity Resistance Resistivity SolidAngle SpecificVolume Speed
		SurfaceDensity SurfaceTension Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction
		VolumetricFlux Wavenumber`),
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// extPrefix marks a term of lotsense's own (a bizStep such as "transforming" that the
// CBV does not have): lotsense:<term> is a URI in lotsense's namespace.
const extPrefix = "lotsense:"

// termOut writes a vocabulary value: a standard term or a URI as it is, any other
// word in lotsense's namespace, so the document stays valid JSON-LD and schema-valid.
func termOut(kind, v string) string {
	if v == "" || terms[kind][v] || isURI(v) && !strings.HasPrefix(v, extPrefix) {
		return v
	}
	return extPrefix + escape(v, func(c byte) bool { return uriChar(c, false) })
}

// termIn reads a vocabulary value back: a CBV or GS1 Web URI becomes its bare name, a
// lotsense: term its word.
func termIn(kind, v string) (string, error) {
	v = bare(kind, v)
	return unwrap(extPrefix, v)
}
