/// Where the Allen Brain Observatory ophys NWB 1 files keep what the converter reads (AllenSDK 2.16.2's
/// `BrainObservatoryNwbDataSet` reads the same paths). The writer of synthetic sessions uses the same
/// constants, so reader and writer cannot drift apart silently; the tests pin them to the reference.
public enum AllenNWBLayout {
    public static let pipeline = "/processing/brain_observatory_pipeline"

    public static let dffData = pipeline + "/DfOverF/imaging_plane_1/data"
    public static let dffTimestamps = pipeline + "/DfOverF/imaging_plane_1/timestamps"
    public static let runningSpeed = pipeline + "/BehavioralTimeSeries/running_speed"
    public static let pupilSize = pipeline + "/PupilTracking/pupil_size"
    public static let pupilLocationSpherical = pipeline + "/EyeTracking/pupil_location_spherical"
    public static let pupilLocation = pipeline + "/EyeTracking/pupil_location"

    public static let cellSpecimenIDs = pipeline + "/ImageSegmentation/cell_specimen_ids"
    public static let roiIDs = pipeline + "/ImageSegmentation/roi_ids"
    public static let segmentationPlane = pipeline + "/ImageSegmentation/imaging_plane_1"
    public static let roiList = segmentationPlane + "/roi_list"

    public static let presentation = "/stimulus/presentation"
    public static let naturalScenesName = "natural_scenes_stimulus"
    public static let naturalScenes = presentation + "/" + naturalScenesName
    public static let naturalScenesTemplates = "/stimulus/templates/natural_scenes_image_stack/data"

    public static let sessionType = "/general/session_type"
    public static let sessionID = "/general/session_id"
    public static let experimentID = "/general/ophys_experiment_id"
    public static let fieldOfView = "/general/fov"
    public static let imagingDepth = "/general/optophysiology/imaging_plane_1/imaging depth"
    public static let location = "/general/optophysiology/imaging_plane_1/location"
    public static let targetedStructure = "/general/targeted_structure"
    public static let genotype = "/general/subject/genotype"
    public static let containerID = "/general/experiment_container_id"
    public static let subjectID = "/general/subject/subject_id"

    /// The gray of blank sweeps and of the screen around the images (AllenSDK `stimulus_info.STIMULUS_GRAY`).
    public static let stimulusGray: UInt8 = 127
}
