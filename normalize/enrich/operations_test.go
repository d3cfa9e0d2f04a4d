package enrich

import (
	"strings"
	"testing"
)

func TestLookupOperation(t *testing.T) {
	const (
		noKey  = "-"
		objKey = "photos/2019/cat.jpg"
		noURI  = "-"
	)
	type want struct {
		action   string
		readOnly bool
		known    bool
	}
	read := func(action string) want { return want{action, true, true} }
	write := func(action string) want { return want{action, false, true} }
	tests := []struct {
		op, key, uri string
		want         want
	}{
		// The operation map, row by row.
		{"REST.GET.OBJECT", objKey, "GET /b/photos/2019/cat.jpg HTTP/1.1", read("GetObject")},
		{"WEBSITE.GET.OBJECT", objKey, "GET /photos/2019/cat.jpg HTTP/1.1", read("GetObject")},
		{"REST.HEAD.OBJECT", objKey, noURI, read("HeadObject")},
		{"WEBSITE.HEAD.OBJECT", objKey, noURI, read("HeadObject")},
		{"REST.PUT.OBJECT", objKey, noURI, write("PutObject")},
		{"REST.POST.OBJECT", objKey, "POST /b HTTP/1.1", write("PutObject")},
		{"REST.DELETE.OBJECT", objKey, noURI, write("DeleteObject")},
		{"BATCH.DELETE.OBJECT", objKey, noURI, write("DeleteObject")},
		{"REST.POST.MULTI_OBJECT_DELETE", noKey, "POST /b?delete HTTP/1.1", write("DeleteObjects")},
		{"REST.COPY.OBJECT", objKey, noURI, write("CopyObject")},
		{"REST.COPY.OBJECT_GET", objKey, noURI, write("CopyObject")},
		{"REST.COPY.PART", objKey, noURI, write("UploadPartCopy")},
		{"REST.COPY.PART_GET", objKey, noURI, write("UploadPartCopy")},
		{"REST.POST.UPLOADS", objKey, "POST /b/k?uploads HTTP/1.1", write("CreateMultipartUpload")},
		{"REST.PUT.PART", objKey, "PUT /b/k?partNumber=1&uploadId=x HTTP/1.1", write("UploadPart")},
		{"REST.POST.UPLOAD", objKey, "POST /b/k?uploadId=x HTTP/1.1", write("CompleteMultipartUpload")},
		{"REST.DELETE.UPLOAD", objKey, "DELETE /b/k?uploadId=x HTTP/1.1", write("AbortMultipartUpload")},
		{"REST.GET.UPLOAD", objKey, "GET /b/k?uploadId=x HTTP/1.1", read("ListParts")},
		{"REST.GET.UPLOADS", noKey, "GET /b?uploads HTTP/1.1", read("ListMultipartUploads")},
		{"REST.GET.BUCKET", noKey, "GET /b?prefix=x HTTP/1.1", read("ListObjects")},
		{"REST.GET.BUCKET", noKey, "GET /b?list-type=2&prefix=x HTTP/1.1", read("ListObjects")},
		{"REST.GET.BUCKETVERSIONS", noKey, "GET /b?versions HTTP/1.1", read("ListObjectVersions")},
		{"REST.HEAD.BUCKET", noKey, noURI, read("HeadBucket")},
		{"REST.PUT.BUCKET", noKey, noURI, write("CreateBucket")},
		{"REST.DELETE.BUCKET", noKey, noURI, write("DeleteBucket")},
		{"REST.GET.SERVICE", noKey, "GET / HTTP/1.1", read("ListBuckets")},
		{"REST.GET.ACL", objKey, "GET /b/k?acl HTTP/1.1", read("GetObjectAcl")},
		{"REST.GET.ACL", noKey, "GET /b?acl HTTP/1.1", read("GetBucketAcl")},
		{"REST.GET.ACL", "", "GET /b?acl HTTP/1.1", read("GetBucketAcl")},
		{"REST.PUT.ACL", objKey, noURI, write("PutObjectAcl")},
		{"REST.PUT.ACL", noKey, noURI, write("PutBucketAcl")},
		{"REST.GET.OBJECT_TAGGING", objKey, noURI, read("GetObjectTagging")},
		{"REST.PUT.OBJECT_TAGGING", objKey, noURI, write("PutObjectTagging")},
		{"REST.DELETE.OBJECT_TAGGING", objKey, noURI, write("DeleteObjectTagging")},
		{"REST.GET.TAGGING", noKey, noURI, read("GetBucketTagging")},
		{"REST.PUT.TAGGING", noKey, noURI, write("PutBucketTagging")},
		{"REST.DELETE.TAGGING", noKey, noURI, write("DeleteBucketTagging")},
		{"REST.GET.TAGGING", objKey, noURI, read("GetObjectTagging")},
		{"REST.PUT.TAGGING", objKey, noURI, write("PutObjectTagging")},
		{"REST.DELETE.TAGGING", objKey, noURI, write("DeleteObjectTagging")},
		{"REST.GET.BUCKETPOLICY", noKey, noURI, read("GetBucketPolicy")},
		{"REST.PUT.BUCKETPOLICY", noKey, noURI, write("PutBucketPolicy")},
		{"REST.DELETE.BUCKETPOLICY", noKey, noURI, write("DeleteBucketPolicy")},
		{"REST.GET.LOCATION", noKey, noURI, read("GetBucketLocation")},
		{"REST.GET.VERSIONING", noKey, noURI, read("GetBucketVersioning")},
		{"REST.PUT.VERSIONING", noKey, noURI, write("PutBucketVersioning")},
		{"REST.GET.LOGGING_STATUS", noKey, noURI, read("GetBucketLogging")},
		{"REST.PUT.LOGGING_STATUS", noKey, noURI, write("PutBucketLogging")},
		{"REST.GET.LIFECYCLE", noKey, noURI, read("GetBucketLifecycle")},
		{"REST.PUT.LIFECYCLE", noKey, noURI, write("PutBucketLifecycle")},
		{"REST.DELETE.LIFECYCLE", noKey, noURI, write("DeleteBucketLifecycle")},
		{"REST.GET.CORS", noKey, noURI, read("GetBucketCors")},
		{"REST.PUT.CORS", noKey, noURI, write("PutBucketCors")},
		{"REST.DELETE.CORS", noKey, noURI, write("DeleteBucketCors")},
		{"REST.GET.ENCRYPTION", noKey, noURI, read("GetBucketEncryption")},
		{"REST.PUT.ENCRYPTION", noKey, noURI, write("PutBucketEncryption")},
		{"REST.DELETE.ENCRYPTION", noKey, noURI, write("DeleteBucketEncryption")},
		{"REST.GET.NOTIFICATION", noKey, noURI, read("GetBucketNotification")},
		{"REST.PUT.NOTIFICATION", noKey, noURI, write("PutBucketNotification")},
		{"REST.GET.REPLICATION", noKey, noURI, read("GetBucketReplication")},
		{"REST.PUT.REPLICATION", noKey, noURI, write("PutBucketReplication")},
		{"REST.DELETE.REPLICATION", noKey, noURI, write("DeleteBucketReplication")},
		{"REST.GET.WEBSITE", noKey, noURI, read("GetBucketWebsite")},
		{"REST.PUT.WEBSITE", noKey, noURI, write("PutBucketWebsite")},
		{"REST.DELETE.WEBSITE", noKey, noURI, write("DeleteBucketWebsite")},
		{"REST.GET.PUBLIC_ACCESS_BLOCK", noKey, noURI, read("GetBucketPublicAccessBlock")},
		{"REST.PUT.PUBLIC_ACCESS_BLOCK", noKey, noURI, write("PutBucketPublicAccessBlock")},
		{"REST.DELETE.PUBLIC_ACCESS_BLOCK", noKey, noURI, write("DeleteBucketPublicAccessBlock")},
		{"REST.GET.POLICY_STATUS", noKey, noURI, read("GetBucketPolicyStatus")},
		{"REST.GET.OWNERSHIP_CONTROLS", noKey, noURI, read("GetBucketOwnershipControls")},
		{"REST.PUT.OWNERSHIP_CONTROLS", noKey, noURI, write("PutBucketOwnershipControls")},
		{"REST.DELETE.OWNERSHIP_CONTROLS", noKey, noURI, write("DeleteBucketOwnershipControls")},
		{"REST.GET.OBJECT_LOCK_CONFIGURATION", noKey, noURI, read("GetObjectLockConfiguration")},
		{"REST.PUT.OBJECT_LOCK_CONFIGURATION", noKey, noURI, write("PutObjectLockConfiguration")},
		{"REST.GET.RETENTION", objKey, noURI, read("GetObjectRetention")},
		{"REST.PUT.RETENTION", objKey, noURI, write("PutObjectRetention")},
		{"REST.GET.LEGAL_HOLD", objKey, noURI, read("GetObjectLegalHold")},
		{"REST.PUT.LEGAL_HOLD", objKey, noURI, write("PutObjectLegalHold")},
		{"REST.POST.RESTORE", objKey, "POST /b/k?restore HTTP/1.1", write("RestoreObject")},
		{"REST.GET.ANALYTICS", noKey, "GET /b?analytics&id=report1 HTTP/1.1", read("GetBucketAnalyticsConfiguration")},
		{"REST.GET.ANALYTICS", noKey, "GET /b?analytics HTTP/1.1", read("ListBucketAnalyticsConfigurations")},
		{"REST.PUT.ANALYTICS", noKey, "PUT /b?analytics&id=report1 HTTP/1.1", write("PutBucketAnalyticsConfiguration")},
		{"REST.DELETE.ANALYTICS", noKey, "DELETE /b?analytics&id=report1 HTTP/1.1", write("DeleteBucketAnalyticsConfiguration")},
		{"REST.GET.INVENTORY", noKey, "GET /b?id=inv1&inventory HTTP/1.1", read("GetBucketInventoryConfiguration")},
		{"REST.GET.INVENTORY", noKey, "GET /b?inventory&continuation-token=x HTTP/1.1", read("ListBucketInventoryConfigurations")},
		{"REST.PUT.INVENTORY", noKey, noURI, write("PutBucketInventoryConfiguration")},
		{"REST.DELETE.INVENTORY", noKey, noURI, write("DeleteBucketInventoryConfiguration")},
		{"REST.GET.METRICS", noKey, "GET /b?metrics&id=EntireBucket HTTP/1.1", read("GetBucketMetricsConfiguration")},
		{"REST.GET.METRICS", noKey, "GET /b?metrics HTTP/1.1", read("ListBucketMetricsConfigurations")},
		{"REST.PUT.METRICS", noKey, noURI, write("PutBucketMetricsConfiguration")},
		{"REST.DELETE.METRICS", noKey, noURI, write("DeleteBucketMetricsConfiguration")},
		{"REST.GET.INTELLIGENT_TIERING", noKey, "GET /b?intelligent-tiering&id=cfg HTTP/1.1", read("GetBucketIntelligentTieringConfiguration")},
		{"REST.GET.INTELLIGENT_TIERING", noKey, "GET /b?intelligent-tiering HTTP/1.1", read("ListBucketIntelligentTieringConfigurations")},
		{"REST.PUT.INTELLIGENT_TIERING", noKey, noURI, write("PutBucketIntelligentTieringConfiguration")},
		{"REST.DELETE.INTELLIGENT_TIERING", noKey, noURI, write("DeleteBucketIntelligentTieringConfiguration")},
		{"REST.OPTIONS.PREFLIGHT", objKey, "OPTIONS /b/k HTTP/1.1", want{"", true, true}},
		{"S3.EXPIRE.OBJECT", objKey, noURI, want{"", false, true}},
		{"S3.TRANSITION.OBJECT", objKey, noURI, want{"", false, true}},
		{"S3.TRANSITION_SIA.OBJECT", objKey, noURI, want{"", false, true}},
		{"S3.TRANSITION_ZIA.OBJECT", objKey, noURI, want{"", false, true}},
		{"S3.TRANSITION_INT.OBJECT", objKey, noURI, want{"", false, true}},
		{"S3.TRANSITION_GIR.OBJECT", objKey, noURI, want{"", false, true}},
		{"S3.TRANSITION_GDA.OBJECT", objKey, noURI, want{"", false, true}},
		{"S3.TRANSITION_NEWCLASS.OBJECT", objKey, noURI, want{"", false, true}},
		{"S3.CREATE.DELETEMARKER", objKey, noURI, want{"", false, true}},
		{"S3.RESTORE.OBJECT", objKey, noURI, want{"", false, true}},
		{"S3.DELETE.UPLOAD", objKey, noURI, want{"", false, true}},

		// The id rule only matches a parameter named exactly "id".
		{"REST.GET.METRICS", noKey, "GET /b?metrics&idx=1 HTTP/1.1", read("ListBucketMetricsConfigurations")},
		{"REST.GET.METRICS", noKey, "GET /b?metrics&x=id HTTP/1.1", read("ListBucketMetricsConfigurations")},
		{"REST.GET.METRICS", noKey, "GET /b/id?metrics HTTP/1.1", read("ListBucketMetricsConfigurations")},
		{"REST.GET.METRICS", noKey, "GET /b?metrics HTTP/1.1#id=1", read("ListBucketMetricsConfigurations")},
		{"REST.GET.METRICS", noKey, "GET /b?metrics&id HTTP/1.1", read("GetBucketMetricsConfiguration")},
		{"REST.GET.METRICS", noKey, "GET /b?id=x", read("GetBucketMetricsConfiguration")},
		{"REST.GET.METRICS", noKey, "", read("ListBucketMetricsConfigurations")},

		// SOAP and WEBSITE variants of other rows.
		{"SOAP.GET.OBJECT", objKey, noURI, read("GetObject")},
		{"SOAP.PUT.OBJECT", objKey, noURI, write("PutObject")},
		{"SOAP.GET.ACL", noKey, noURI, read("GetBucketAcl")},
		{"SOAP.ListAllMyBuckets", noKey, noURI, read("ListBuckets")},
		{"SOAP.GetObjectAccessControlPolicy", objKey, noURI, read("GetObjectAcl")},
		{"SOAP.PutObjectInline", objKey, noURI, write("PutObject")},
		{"WEBSITE.GET.BUCKET", noKey, noURI, read("ListObjects")},

		// Rows beyond the REFERENCE table.
		{"REST.POST.SELECT", objKey, "POST /b/k?select&select-type=2 HTTP/1.1", read("SelectObjectContent")},
		{"REST.GET.OBJECT_ATTRIBUTES", objKey, noURI, read("GetObjectAttributes")},
		{"REST.GET.REQUEST_PAYMENT", noKey, noURI, read("GetBucketRequestPayment")},
		{"REST.PUT.REQUEST_PAYMENT", noKey, noURI, write("PutBucketRequestPayment")},
		{"REST.GET.ACCELERATE", noKey, noURI, read("GetBucketAccelerateConfiguration")},
		{"REST.PUT.ACCELERATE", noKey, noURI, write("PutBucketAccelerateConfiguration")},
		{"REST.GET.TORRENT", objKey, noURI, read("GetObjectTorrent")},

		// Unknown operations: ReadOnly guessed from the method word.
		{"REST.GET.SOMETHING_NEW", noKey, noURI, want{"", true, false}},
		{"REST.HEAD.SOMETHING_NEW", noKey, noURI, want{"", true, false}},
		{"REST.OPTIONS.SOMETHING_NEW", noKey, noURI, want{"", true, false}},
		{"REST.PUT.SOMETHING_NEW", noKey, noURI, want{"", false, false}},
		{"REST.POST.SOMETHING_NEW", noKey, noURI, want{"", false, false}},
		{"REST.DELETE.SOMETHING_NEW", noKey, noURI, want{"", false, false}},
		{"WEBSITE.GET.SOMETHING_NEW", noKey, noURI, want{"", true, false}},
		{"WEBSITE.INVALIDOPERATION", noKey, noURI, want{"", false, false}},
		{"S3.SOMETHING.OBJECT", objKey, noURI, want{"", false, false}},
		{"rest.get.object", objKey, noURI, want{"", false, false}},
		{"REST.GET", noKey, noURI, want{"", true, false}},
		{"REST", noKey, noURI, want{"", false, false}},
		{"-", noKey, noURI, want{"", false, false}},
		{"", noKey, noURI, want{"", false, false}},
		{"WEBSITE." + strings.Repeat("X", 100), noKey, noURI, want{"", false, false}},
	}
	for _, tt := range tests {
		got := LookupOperation([]byte(tt.op), []byte(tt.key), []byte(tt.uri))
		w := OperationInfo{Action: tt.want.action, ReadOnly: tt.want.readOnly, Known: tt.want.known}
		if got != w {
			t.Errorf("LookupOperation(%q, %q, %q) = %+v, want %+v", tt.op, tt.key, tt.uri, got, w)
		}
	}
}

// TestOperationTable checks every row of the table itself, so a row added
// later cannot carry a malformed action.
func TestOperationTable(t *testing.T) {
	for op, e := range operationTable {
		for _, action := range []string{e.action, e.objectAction, e.listAction} {
			if action == "" {
				continue
			}
			if c := action[0]; c < 'A' || c > 'Z' || strings.ContainsAny(action, " ._-") {
				t.Errorf("%s: action %q is not a CloudTrail eventName", op, action)
			}
			if ActionReadOnly([]byte(action)) != e.readOnly {
				t.Errorf("%s: readOnly %v disagrees with the verb of %q", op, e.readOnly, action)
			}
		}
	}
}

func TestLookupOperationAllocs(t *testing.T) {
	calls := [][3][]byte{
		{[]byte("REST.GET.OBJECT"), []byte("k"), []byte("GET /b/k HTTP/1.1")},
		{[]byte("WEBSITE.GET.OBJECT"), []byte("k"), []byte("GET /k HTTP/1.1")},
		{[]byte("SOAP.PUT.OBJECT"), []byte("k"), []byte("-")},
		{[]byte("REST.GET.ACL"), []byte("-"), []byte("GET /b?acl HTTP/1.1")},
		{[]byte("REST.GET.ANALYTICS"), []byte("-"), []byte("GET /b?analytics&id=x HTTP/1.1")},
		{[]byte("S3.TRANSITION_NEW.OBJECT"), []byte("k"), []byte("-")},
		{[]byte("REST.GET.UNKNOWN"), []byte("-"), []byte("-")},
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, c := range calls {
			LookupOperation(c[0], c[1], c[2])
		}
		ActionReadOnly([]byte("GetObject"))
	})
	if allocs != 0 {
		t.Fatalf("LookupOperation allocates %v times per run, want 0", allocs)
	}
}

func TestActionReadOnly(t *testing.T) {
	tests := []struct {
		action string
		want   bool
	}{
		{"GetObject", true},
		{"GetBucketAcl", true},
		{"ListObjects", true},
		{"ListBuckets", true},
		{"HeadObject", true},
		{"HeadBucket", true},
		{"DescribeInstances", true},
		{"LookupEvents", true},
		{"SearchResources", true},
		{"SelectObjectContent", true},
		{"BatchGetItem", true},
		{"Query", true},
		{"Scan", true},
		{"Get", true},

		{"PutObject", false},
		{"DeleteObject", false},
		{"DeleteObjects", false},
		{"CreateBucket", false},
		{"CopyObject", false},
		{"RestoreObject", false},
		{"CompleteMultipartUpload", false},
		{"AssumeRole", false},
		{"ConsoleLogin", false},
		{"BatchWriteItem", false},
		{"Listen", false},
		{"Header", false},
		{"Getaway", false},
		{"getObject", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ActionReadOnly([]byte(tt.action)); got != tt.want {
			t.Errorf("ActionReadOnly(%q) = %v, want %v", tt.action, got, tt.want)
		}
	}
}

func BenchmarkLookupOperation(b *testing.B) {
	op, key, uri := []byte("WEBSITE.GET.OBJECT"), []byte("index.html"), []byte("GET /index.html HTTP/1.1")
	for b.Loop() {
		LookupOperation(op, key, uri)
	}
}

// TestEveryDocumentedOperation lists every operation code the table
// knows (the REST, WEBSITE, BATCH and SOAP forms of AWS's log format page,
// the lifecycle S3.* actions of its lifecycle page, and the service-side
// S3.COMPUTE.OBJECT.CHECKSUM of Batch Operations) with its
// CloudTrail action for a bucket-level request ("" when there is none), so
// a code that goes missing or changes action fails here, and a code added
// to the table must be added here.
func TestEveryDocumentedOperation(t *testing.T) {
	documented := []struct{ op, action string }{
		{"BATCH.DELETE.OBJECT", "DeleteObject"},
		{"REST.COPY.OBJECT", "CopyObject"},
		{"REST.COPY.OBJECT_GET", "CopyObject"},
		{"REST.COPY.PART", "UploadPartCopy"},
		{"REST.COPY.PART_GET", "UploadPartCopy"},
		{"REST.DELETE.ANALYTICS", "DeleteBucketAnalyticsConfiguration"},
		{"REST.DELETE.BUCKET", "DeleteBucket"},
		{"REST.DELETE.BUCKETPOLICY", "DeleteBucketPolicy"},
		{"REST.DELETE.CORS", "DeleteBucketCors"},
		{"REST.DELETE.ENCRYPTION", "DeleteBucketEncryption"},
		{"REST.DELETE.INTELLIGENT_TIERING", "DeleteBucketIntelligentTieringConfiguration"},
		{"REST.DELETE.INVENTORY", "DeleteBucketInventoryConfiguration"},
		{"REST.DELETE.LIFECYCLE", "DeleteBucketLifecycle"},
		{"REST.DELETE.METRICS", "DeleteBucketMetricsConfiguration"},
		{"REST.DELETE.OBJECT", "DeleteObject"},
		{"REST.DELETE.OBJECT_TAGGING", "DeleteObjectTagging"},
		{"REST.DELETE.OWNERSHIP_CONTROLS", "DeleteBucketOwnershipControls"},
		{"REST.DELETE.PUBLIC_ACCESS_BLOCK", "DeleteBucketPublicAccessBlock"},
		{"REST.DELETE.REPLICATION", "DeleteBucketReplication"},
		{"REST.DELETE.TAGGING", "DeleteBucketTagging"},
		{"REST.DELETE.UPLOAD", "AbortMultipartUpload"},
		{"REST.DELETE.WEBSITE", "DeleteBucketWebsite"},
		{"REST.GET.ACCELERATE", "GetBucketAccelerateConfiguration"},
		{"REST.GET.ACL", "GetBucketAcl"},
		{"REST.GET.ANALYTICS", "GetBucketAnalyticsConfiguration"},
		{"REST.GET.BUCKET", "ListObjects"},
		{"REST.GET.BUCKETPOLICY", "GetBucketPolicy"},
		{"REST.GET.BUCKETVERSIONS", "ListObjectVersions"},
		{"REST.GET.CORS", "GetBucketCors"},
		{"REST.GET.ENCRYPTION", "GetBucketEncryption"},
		{"REST.GET.INTELLIGENT_TIERING", "GetBucketIntelligentTieringConfiguration"},
		{"REST.GET.INVENTORY", "GetBucketInventoryConfiguration"},
		{"REST.GET.LEGAL_HOLD", "GetObjectLegalHold"},
		{"REST.GET.LIFECYCLE", "GetBucketLifecycle"},
		{"REST.GET.LOCATION", "GetBucketLocation"},
		{"REST.GET.LOGGING_STATUS", "GetBucketLogging"},
		{"REST.GET.METRICS", "GetBucketMetricsConfiguration"},
		{"REST.GET.NOTIFICATION", "GetBucketNotification"},
		{"REST.GET.OBJECT", "GetObject"},
		{"REST.GET.OBJECT_ATTRIBUTES", "GetObjectAttributes"},
		{"REST.GET.OBJECT_LOCK_CONFIGURATION", "GetObjectLockConfiguration"},
		{"REST.GET.OBJECT_TAGGING", "GetObjectTagging"},
		{"REST.GET.OWNERSHIP_CONTROLS", "GetBucketOwnershipControls"},
		{"REST.GET.POLICY_STATUS", "GetBucketPolicyStatus"},
		{"REST.GET.PUBLIC_ACCESS_BLOCK", "GetBucketPublicAccessBlock"},
		{"REST.GET.REPLICATION", "GetBucketReplication"},
		{"REST.GET.REQUEST_PAYMENT", "GetBucketRequestPayment"},
		{"REST.GET.RETENTION", "GetObjectRetention"},
		{"REST.GET.SERVICE", "ListBuckets"},
		{"REST.GET.TAGGING", "GetBucketTagging"},
		{"REST.GET.TORRENT", "GetObjectTorrent"},
		{"REST.GET.UPLOAD", "ListParts"},
		{"REST.GET.UPLOADS", "ListMultipartUploads"},
		{"REST.GET.VERSIONING", "GetBucketVersioning"},
		{"REST.GET.WEBSITE", "GetBucketWebsite"},
		{"REST.HEAD.BUCKET", "HeadBucket"},
		{"REST.HEAD.OBJECT", "HeadObject"},
		{"REST.OPTIONS.PREFLIGHT", ""},
		{"REST.POST.MULTI_OBJECT_DELETE", "DeleteObjects"},
		{"REST.POST.OBJECT", "PutObject"},
		{"REST.POST.RESTORE", "RestoreObject"},
		{"REST.POST.SELECT", "SelectObjectContent"},
		{"REST.POST.UPLOAD", "CompleteMultipartUpload"},
		{"REST.POST.UPLOADS", "CreateMultipartUpload"},
		{"REST.PUT.ACCELERATE", "PutBucketAccelerateConfiguration"},
		{"REST.PUT.ACL", "PutBucketAcl"},
		{"REST.PUT.ANALYTICS", "PutBucketAnalyticsConfiguration"},
		{"REST.PUT.BUCKET", "CreateBucket"},
		{"REST.PUT.BUCKETPOLICY", "PutBucketPolicy"},
		{"REST.PUT.CORS", "PutBucketCors"},
		{"REST.PUT.ENCRYPTION", "PutBucketEncryption"},
		{"REST.PUT.INTELLIGENT_TIERING", "PutBucketIntelligentTieringConfiguration"},
		{"REST.PUT.INVENTORY", "PutBucketInventoryConfiguration"},
		{"REST.PUT.LEGAL_HOLD", "PutObjectLegalHold"},
		{"REST.PUT.LIFECYCLE", "PutBucketLifecycle"},
		{"REST.PUT.LOGGING_STATUS", "PutBucketLogging"},
		{"REST.PUT.METRICS", "PutBucketMetricsConfiguration"},
		{"REST.PUT.NOTIFICATION", "PutBucketNotification"},
		{"REST.PUT.OBJECT", "PutObject"},
		{"REST.PUT.OBJECT_LOCK_CONFIGURATION", "PutObjectLockConfiguration"},
		{"REST.PUT.OBJECT_TAGGING", "PutObjectTagging"},
		{"REST.PUT.OWNERSHIP_CONTROLS", "PutBucketOwnershipControls"},
		{"REST.PUT.PART", "UploadPart"},
		{"REST.PUT.PUBLIC_ACCESS_BLOCK", "PutBucketPublicAccessBlock"},
		{"REST.PUT.REPLICATION", "PutBucketReplication"},
		{"REST.PUT.REQUEST_PAYMENT", "PutBucketRequestPayment"},
		{"REST.PUT.RETENTION", "PutObjectRetention"},
		{"REST.PUT.TAGGING", "PutBucketTagging"},
		{"REST.PUT.VERSIONING", "PutBucketVersioning"},
		{"REST.PUT.WEBSITE", "PutBucketWebsite"},
		{"S3.COMPUTE.OBJECT.CHECKSUM", ""},
		{"S3.CREATE.DELETEMARKER", ""},
		{"S3.DELETE.UPLOAD", ""},
		{"S3.EXPIRE.OBJECT", ""},
		{"S3.RESTORE.OBJECT", ""},
		{"S3.TRANSITION.OBJECT", ""},
		{"S3.TRANSITION_GDA.OBJECT", ""},
		{"S3.TRANSITION_GIR.OBJECT", ""},
		{"S3.TRANSITION_INT.OBJECT", ""},
		{"S3.TRANSITION_SIA.OBJECT", ""},
		{"S3.TRANSITION_ZIA.OBJECT", ""},
		{"SOAP.CopyObject", "CopyObject"},
		{"SOAP.CreateBucket", "CreateBucket"},
		{"SOAP.DeleteBucket", "DeleteBucket"},
		{"SOAP.DeleteObject", "DeleteObject"},
		{"SOAP.GetBucketAccessControlPolicy", "GetBucketAcl"},
		{"SOAP.GetBucketLoggingStatus", "GetBucketLogging"},
		{"SOAP.GetObject", "GetObject"},
		{"SOAP.GetObjectAccessControlPolicy", "GetObjectAcl"},
		{"SOAP.GetObjectExtended", "GetObject"},
		{"SOAP.ListAllMyBuckets", "ListBuckets"},
		{"SOAP.ListBucket", "ListObjects"},
		{"SOAP.PutObject", "PutObject"},
		{"SOAP.PutObjectInline", "PutObject"},
		{"SOAP.SetBucketAccessControlPolicy", "PutBucketAcl"},
		{"SOAP.SetBucketLoggingStatus", "PutBucketLogging"},
		{"SOAP.SetObjectAccessControlPolicy", "PutObjectAcl"},
	}
	if len(documented) != len(operationTable) {
		t.Errorf("%d documented codes, the table has %d", len(documented), len(operationTable))
	}
	for _, d := range documented {
		// A URI with an id gets the Get...Configuration action of the
		// configurations kept by id.
		info := LookupOperation([]byte(d.op), []byte("-"), []byte("GET /b?x&id=1 HTTP/1.1"))
		if !info.Known || info.Action != d.action {
			t.Errorf("%s: known %v action %q, want known, action %q", d.op, info.Known, info.Action, d.action)
		}
	}
}
